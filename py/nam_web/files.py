"""Reading a user's file from disk: its size checked before a byte is read, OS errors named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

_UNITS = (("GB", 2**30), ("MB", 2**20), ("KB", 2**10), ("bytes", 1))


def too_big(name: str, size: int, max_bytes: int, kind: str) -> str:
    """The message refusing ``name`` of ``size`` bytes, in the limit's unit.

    For example "huge.nam is 200.0 MB; .nam files larger than 64 MB are refused" (``kind`` ".nam files").
    """
    unit, scale = next(((u, s) for u, s in _UNITS if max_bytes >= s), _UNITS[-1])
    return f"{name} is {size / scale:.1f} {unit}; {kind} larger than {max_bytes / scale:g} {unit} are refused"


def read_limited(path: str | Path, max_bytes: int, kind: str, error: Callable[[str], Exception]) -> bytes:
    """The bytes of the file at ``path``.

    Raises ``error(message)`` when the file is larger than ``max_bytes`` (:func:`too_big`) or cannot
    be read ("cannot open PATH: reason").
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise error(too_big(path.name, size, max_bytes, kind))
        return path.read_bytes()
    except OSError as exc:
        raise error(f"cannot open {path}: {exc.strerror}") from None
