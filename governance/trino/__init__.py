"""Trino over the whole mesh: catalog properties, file-based access rules, group file, docker-compose.

`config` (trino.yml), `names` (where each product appears in Trino), `rules` (rules.json from the
products' grants), `properties` (catalog and security properties), `bundle` (every generated file).
"""
