"""Settings for the whole suite."""

from hypothesis import settings

# Property tests run the same examples on every run (CI must not depend on luck: a property that fails
# fails every time) and keep no example database between runs. A longer or random exploration is a
# deliberate run: MESH_FUZZ_EXAMPLES (docs/reliability.md) or `--hypothesis-seed`.
settings.register_profile("mesh", derandomize=True, database=None, deadline=None)
settings.load_profile("mesh")


def pytest_configure(config):  # type: ignore[no-untyped-def]
    from tests.lanes import LanePlugin

    # xdist workers collect (and mark); the controller, or a single process, tallies the reports.
    config.pluginmanager.register(LanePlugin(tallies=not hasattr(config, "workerinput")), "mesh-lanes")
