"""The mesh catalog: a static site (`mesh docs`) generated from the mesh model, the dbt artifacts
already read (manifests, run_results.json, sources.json), the policy findings and the lineage.

`catalog` works out what is shown (health, freshness, consumers, readers), `pages` renders HTML with
every YAML text escaped, `svg` lays out the lineage pictures, `index` writes `mesh.json` and the search
index, `assets` holds the site's own CSS and JavaScript, and `pipeline` ties them together.
"""
