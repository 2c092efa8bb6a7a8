"""Unity Catalog sync: desired state from the mesh, actual state read in bulk, a plan, and its apply.

`desired` builds what the mesh declares, `actual` reads what the workspace holds (a fixed number of
calls per catalog), `diff` turns the two into a `Plan` of `Change`s, `apply` writes only those
changes (batched, bounded concurrency, audited), and `pipeline` wires them for the commands.
"""
