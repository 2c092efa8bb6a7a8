from tests.fixtures.mesh_fixtures import clean_mesh, clean_root, violations_root  # noqa: F401 - pytest fixtures
