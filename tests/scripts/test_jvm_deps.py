"""The Spark target's jars come from the repository's Ivy settings: Maven Central into .cache/ivy, never
~/.m2, where a POM-only entry used to kill every Spark session at start (JAVA_GATEWAY_EXITED)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "ci" / "jvm_deps.sh"
SETTINGS = REPO / "deploy" / "spark" / "ivysettings.xml"


def poisoned_home(home: Path, coordinate: str) -> Path:
    """A home whose ~/.m2 holds only the POM of the Delta jar, as `mvn dependency:get` of a POM leaves it."""
    group, artifact, version = coordinate.split(":")
    folder = home / ".m2" / "repository" / Path(*group.split(".")) / artifact / version
    folder.mkdir(parents=True)
    (folder / f"{artifact}-{version}.pom").write_text(
        f"<project><modelVersion>4.0.0</modelVersion><groupId>{group}</groupId>"
        f"<artifactId>{artifact}</artifactId><version>{version}</version></project>"
    )
    return home


def spark_conf(project: str = "orders") -> dict[str, str]:
    profile = yaml.safe_load((REPO / "profiles" / "profiles.yml").read_text())
    parameters = profile[project]["outputs"]["spark"]["server_side_parameters"]
    return {key: str(value) for key, value in parameters.items() if key.startswith("spark.jars")}


def test_every_spark_output_resolves_through_the_repository_settings() -> None:
    profile = yaml.safe_load((REPO / "profiles" / "profiles.yml").read_text())
    for project, body in profile.items():
        spark = body["outputs"].get("spark")
        if spark is None:
            continue
        folder = REPO if project == "hub" else REPO / "domains" / project
        settings = spark["server_side_parameters"]["spark.jars.ivySettings"]
        assert (folder / settings).resolve() == SETTINGS, project
        ivy_home = spark["server_side_parameters"]["spark.jars.ivy"]
        assert (folder / ivy_home).resolve() == REPO / ".cache" / "ivy", project


@pytest.mark.spark
def test_a_pom_only_entry_in_the_users_m2_does_not_stop_a_spark_session(tmp_path: Path) -> None:
    """...and neither the resolution nor the session writes anything in the user's home (Spark's own Ivy
    home, ~/.ivy2.5.2, took the resolved jars and Ivy's reports)."""
    conf = spark_conf()
    home = poisoned_home(tmp_path / "home", conf["spark.jars.packages"])
    # a JVM's home is the password file's, not $HOME: user.home moves it
    env = {**os.environ, "HOME": str(home), "JAVA_TOOL_OPTIONS": f"-Duser.home={home}"}
    done = subprocess.run(
        ["bash", str(SCRIPT), "spark"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    # The session as dbt-spark opens it for a domain: from the project folder, with the profile's jars.
    program = (
        "import sys\nfrom pyspark.sql import SparkSession\nb = SparkSession.builder.master('local[1]')"
        "\nfor k, v in zip(sys.argv[1::2], sys.argv[2::2]): b = b.config(k, v)\n"
        "s = b.getOrCreate()\nprint(s.sql('select 1 as one').collect()[0].one)\ns.stop()\n"
    )
    args = [item for pair in conf.items() for item in pair]
    run = subprocess.run(
        [sys.executable, "-c", program, *args],
        cwd=REPO / "domains" / "orders",
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().endswith("1")
    assert sorted(p.name for p in home.iterdir()) == [".m2"], sorted(str(p) for p in home.rglob("*"))[:20]


def test_a_download_that_fails_is_one_line_naming_the_artifact(tmp_path: Path) -> None:
    # The same settings pointed at a repository that refuses connections, with an empty cache beside them.
    settings = tmp_path / "deploy" / "spark" / "ivysettings.xml"
    settings.parent.mkdir(parents=True)
    settings.write_text(
        SETTINGS.read_text().replace("https://repo1.maven.org/maven2/", "http://127.0.0.1:9/")
    )
    env = {**os.environ, "IVY_SETTINGS": str(settings)}
    done = subprocess.run(
        ["bash", str(SCRIPT), "spark"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "io.delta:delta-spark" in lines[0] and "Maven Central" in lines[0]
