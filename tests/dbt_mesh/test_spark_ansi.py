"""The dbt_mesh plugin turns ANSI mode back on for dbt-spark connections (no Spark session is started)."""

from __future__ import annotations

import pkgutil

from dbt.adapters.contracts.connection import Connection
from dbt.adapters.spark.connections import SparkConnectionManager, SparkCredentials
from dbt.plugins.manager import PluginManager

from dbt_mesh import ANSI_KEY, SparkAnsiMode


def credentials() -> SparkCredentials:
    return SparkCredentials(
        method="session", host="localhost", schema="gold", server_side_parameters={ANSI_KEY: "true"}
    )


def test_dbt_spark_forces_ansi_off_whatever_the_profile_says() -> None:
    # The reason for the plugin: if dbt-spark stops doing this, the plugin can go.
    assert credentials().server_side_parameters[ANSI_KEY] == "false"


def test_dbt_finds_the_plugin_as_it_finds_dbt_loom() -> None:
    names = {
        name for _, name, _ in pkgutil.iter_modules() if name.startswith(PluginManager.PLUGIN_MODULE_PREFIX)
    }
    assert {"dbt_mesh", "dbt_loom"} <= names


def test_a_spark_connection_opens_with_ansi_on() -> None:
    SparkAnsiMode("orders")
    connection = Connection(type="spark", name="model.orders.x", credentials=credentials())
    opened = SparkConnectionManager.open(connection)
    assert opened.credentials.server_side_parameters[ANSI_KEY] == "true"
    assert opened.handle.handle.server_side_parameters[ANSI_KEY] == "true"  # what the session cursor applies
