"""Open Data Contract Standard (ODCS v3.1.0) contracts for the mesh's data products.

`facts` reads what a consumer needs beyond the dbt node (endpoints per engine, readers, SLA, tests);
`odcs` maps one product version to a contract; `export` writes them all; `drift` compares committed
contracts with the products they describe (rule MESH040). The official JSON Schema is vendored in
`schema/` with its licence.
"""
