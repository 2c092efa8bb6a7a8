"""Deterministic synthetic raw data for the mesh's three domains (see scripts/generate_data.py)."""
