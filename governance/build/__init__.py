"""`mesh build`: dbt build for every project of the mesh, in dependency order, independent ones at once."""
