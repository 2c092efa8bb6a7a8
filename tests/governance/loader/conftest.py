from tests.fixtures.mesh_fixtures import clean_root  # noqa: F401 - pytest fixture
