"""Drop a pull request's catalogs from Unity Catalog (`mesh clean --pr ID --platform databricks`).

Only names computed from the mesh are ever touched: for each domain, its catalog plus the pull request's
suffix (`orders_dev__pr_42`), minus any name that is a domain's own catalog. Nothing is listed or matched
by pattern, so a production catalog, another pull request's catalog or a catalog outside the mesh can
never be dropped. A catalog already gone counts as clean, so the command can be repeated.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum

from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.errors.platform import Unauthenticated

from governance.errors import ExitCode, MeshError
from governance.unity.client import UnityClient, describe_error
from governance.unity.ownership import pull_request_catalogs


class Status(Enum):
    PRESENT = "present"  # found, not dropped (a dry run)
    ABSENT = "absent"
    DROPPED = "dropped"
    FAILED = "failed"


@dataclass(frozen=True)
class CatalogOutcome:
    catalog: str
    status: Status
    detail: str = ""  # the owner when found, the error when failed


def clean_pull_request(
    client: UnityClient, domains: Collection[str], suffix: str, apply: bool
) -> list[CatalogOutcome]:
    catalogs = pull_request_catalogs(domains, suffix)
    if not catalogs:
        raise MeshError("the mesh has no domain, so no pull-request catalog to clean: run mesh from its root")
    outcomes: list[CatalogOutcome] = []
    for catalog in catalogs:
        try:
            owner = client.catalog_owner(catalog)
            if owner is None:
                outcomes.append(CatalogOutcome(catalog, Status.ABSENT))
            elif not apply:
                outcomes.append(CatalogOutcome(catalog, Status.PRESENT, owner))
            else:
                dropped = client.delete_catalog(catalog)
                outcomes.append(CatalogOutcome(catalog, Status.DROPPED if dropped else Status.ABSENT, owner))
        except Unauthenticated as error:
            raise MeshError(
                f"Databricks refused the credentials ({describe_error(error)}); check DATABRICKS_HOST and "
                "the token or profile the SDK resolves",
                ExitCode.BAD_INPUT,
            ) from None
        except (DatabricksError, TimeoutError, OSError) as error:
            outcomes.append(CatalogOutcome(catalog, Status.FAILED, describe_error(error)))
    return outcomes
