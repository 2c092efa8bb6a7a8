"""Undo the files a failed publish wrote, so the storage is left as it was.

The catalog row is committed last, so a failure before it leaves the catalog untouched; what remains
are data, manifest and metadata files under the table location. The location is listed before the
publish (through pyarrow's filesystem for the location's scheme, the same one pyiceberg's FileIO
uses) and anything new is deleted afterwards. Publishes of one product are assumed serialised.
"""

from __future__ import annotations

from pyarrow import fs


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
