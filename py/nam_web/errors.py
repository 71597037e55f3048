"""The exceptions nam_web raises for bad input: each one says what is wrong and where."""

from __future__ import annotations


class NamWebError(Exception):
    """Base class for every user-facing error in nam_web."""


class NamFileError(NamWebError, ValueError):
    """A .nam document is malformed, unsupported or inconsistent.

    ``path`` is the JSON path of the offending value (``$.config.layers[1].dilations``),
    so an inspector can point at it.
    """

    def __init__(self, message: str, path: str = "$") -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{path}: {message}" if path else message)


class WavError(NamWebError, ValueError):
    """A WAV file cannot be read or does not fit what it is used for."""
