from pathlib import Path

# governance/trino.yml for the fixture mesh: the same settings with the fixture's groups.
FIXTURE_TRINO = Path(__file__).resolve().parent / "fixture_trino.yml"
