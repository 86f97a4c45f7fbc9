"""Errors a user can cause, each carrying a one-line message that names the problem."""

from __future__ import annotations


class LstmTuiError(Exception):
    """Base class: the message is shown to the user as is, without a traceback."""


class BundleError(LstmTuiError):
    """A model bundle is missing, corrupt, foreign or inconsistent."""


class DeviceError(LstmTuiError):
    """A requested device is not available on this machine."""


class DataError(LstmTuiError):
    """Training or evaluation text could not be used."""

