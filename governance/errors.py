"""Exit codes and the one error type every command turns into a single clear line."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes of every `mesh` command (see README)."""

    OK = 0
    FAILED = 1  # policy errors, failed builds, failed sync objects, engine errors
    BAD_INPUT = 2  # user mistake: unknown name, malformed file, missing artifact, usage


class MeshError(Exception):
    """A user-facing error: one line saying what is wrong, where, and what to do.

    The CLI prints ``str(error)`` prefixed with ``error:`` and exits with ``code``;
    it never shows a traceback for a MeshError.
    """

    def __init__(self, message: str, code: ExitCode = ExitCode.BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code
