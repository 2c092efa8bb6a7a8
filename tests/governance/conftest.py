from tests.fixtures.mesh_fixtures import clean_root, violations_root  # noqa: F401 - pytest fixtures
