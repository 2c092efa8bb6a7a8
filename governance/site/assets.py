"""The site's own stylesheet and script (`static/`), copied beside the pages: nothing is loaded from
the network.

The script only ever puts index text into the page through `textContent` and attribute setters (never
`innerHTML`), so a description or name from YAML stays text. The search index is a script file
(`search-index.js`) rather than JSON fetched at run time, because browsers refuse `fetch()` on file://.
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"


def static_files() -> dict[str, bytes]:
    """assets/<name> -> content, for every file in `static/`."""
    return {f"assets/{path.name}": path.read_bytes() for path in sorted(STATIC.iterdir()) if path.is_file()}
