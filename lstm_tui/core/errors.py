"""Errors a user can cause, each carrying a one-line message that names the problem."""

from __future__ import annotations

from typing import Self


class LstmTuiError(Exception):
    """Base class: the message is shown to the user as is, without a traceback."""


class BundleError(LstmTuiError):
    """A model bundle is missing, corrupt, foreign or inconsistent."""


class DeviceError(LstmTuiError):
    """A requested device is not available on this machine."""


class DataError(LstmTuiError):
    """Training or evaluation text could not be used."""




class Writing:
    """``with Writing(path, "the tokenizer"):`` turns a failed write (a full disk, a
    read-only folder) into one line naming the file. Reusable: one instance can
    guard each write of a long loop."""

    def __init__(self, path: object, what: str) -> None:
        self.path, self.what = path, what

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        if isinstance(exc, OSError):
            raise LstmTuiError(f"{self.path}: could not write {self.what} ({exc.strerror or exc})") from None
        return False
