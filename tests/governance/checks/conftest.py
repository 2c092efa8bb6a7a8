from tests.fixtures.mesh_fixtures import (  # noqa: F401 - pytest fixtures
    clean_mesh,
    clean_root,
    default_policy,
    violations_mesh,
    violations_root,
)
