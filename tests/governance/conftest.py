from tests.fixtures.catalog_mesh import catalog_mesh, catalog_root, site  # noqa: F401 - pytest fixtures
from tests.fixtures.mesh_fixtures import clean_mesh, clean_root, violations_root  # noqa: F401 - pytest fixtures
