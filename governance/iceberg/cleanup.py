"""Undo the files a failed publish wrote, and remove those of publishes that died.

The catalog row is committed last, so a failure before it leaves the catalog untouched; what remains
are data, manifest and metadata files under the table location. The location is listed before the
publish (through pyarrow's filesystem for the location's scheme, the same one pyiceberg's FileIO
uses) and anything new is deleted afterwards. Both are only safe because publishes to one catalog
are serialised (governance/iceberg/lock.py): under the lock, whatever appears under a location is
this run's, and whatever no snapshot of the committed table references was left by a run that died.
"""

from __future__ import annotations

from urllib.parse import unquote, urlparse

from pyarrow import fs
from pyiceberg.table import Table

# The folders pyiceberg writes under a table location; anything else there is left alone.
ICEBERG_FOLDERS = ("data", "metadata")


class LocationSnapshot:
    """The files under a table location at one moment."""

    def __init__(self, location: str) -> None:
        self._filesystem, self._root = fs.FileSystem.from_uri(location)
        self._existed = self._filesystem.get_file_info(self._root).type != fs.FileType.NotFound
        self._before = self._files()

    def _files(self) -> set[str]:
        selector = fs.FileSelector(self._root, recursive=True, allow_not_found=True)
        return {
            info.path for info in self._filesystem.get_file_info(selector) if info.type == fs.FileType.File
        }

    def restore(self) -> list[str]:
        """Delete what appeared since the snapshot (and the folder if it is new); return the deleted paths."""
        created = sorted(self._files() - self._before)
        for path in created:
            self._filesystem.delete_file(path)
        if not self._existed and self._filesystem.get_file_info(self._root).type == fs.FileType.Directory:
            self._filesystem.delete_dir(self._root)
        return created


def _filesystem_path(location: str) -> str:
    """A FileIO location as the pyarrow filesystem path (file:///a%20b -> /a b, s3://b/k -> b/k)."""
    parsed = urlparse(location)
    if parsed.scheme in ("", "file"):
        return unquote(parsed.path) if parsed.scheme else location
    return f"{parsed.netloc}{parsed.path}"


def referenced_files(table: Table) -> set[str]:
    """Every file the committed table needs: metadata (with its log), manifest lists, manifests, data."""
    metadata = table.metadata
    files = {table.metadata_location} | {entry.metadata_file for entry in metadata.metadata_log}
    files |= {statistics.statistics_path for statistics in metadata.statistics}
    for snapshot in metadata.snapshots:
        files.add(snapshot.manifest_list)
        for manifest in snapshot.manifests(table.io):
            files.add(manifest.manifest_path)
            for entry in manifest.fetch_manifest_entry(table.io, discard_deleted=False):
                files.add(entry.data_file.file_path)
    return {_filesystem_path(f) for f in files}


def remove_orphans(location: str, keep: set[str]) -> list[str]:
    """Delete the files under `location`'s data/ and metadata/ folders not in `keep`; return them.

    Call only while holding the catalog's publish lock: `keep` is then everything any run needs.
    """
    filesystem, root = fs.FileSystem.from_uri(location)
    removed: list[str] = []
    for folder in ICEBERG_FOLDERS:
        selector = fs.FileSelector(f"{root.rstrip('/')}/{folder}", recursive=True, allow_not_found=True)
        for info in filesystem.get_file_info(selector):
            if info.type == fs.FileType.File and info.path not in keep:
                filesystem.delete_file(info.path)
                removed.append(info.path)
    return sorted(removed)
