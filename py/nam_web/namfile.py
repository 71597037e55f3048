"""Reading, checking and writing .nam documents (the JSON envelope).

A .nam file is JSON: ``{version, architecture, config, weights, sample_rate, metadata}``.
This module owns the envelope: size and nesting limits, the version rules of
NeuralAmpModelerCore (0.5.0 up to 0.7.x), the weights array (kept as the exact doubles the
file holds, so a write gives back the same numbers) and unknown keys (kept on write).
What ``config`` means for each architecture, and whether the weight count fits it, is the
job of :mod:`nam_web.models`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nam_web.errors import NamFileError
from nam_web.files import read_limited, too_big

EARLIEST_VERSION = (0, 5, 0)
LATEST_VERSION = (0, 7, 0)
"""Newest fully supported format; later patch releases of 0.7 load too (as NAM Core does)."""

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Refuse documents larger than this (bytes). The biggest real captures are a few MB."""

MAX_NESTING = 64
"""Deepest JSON nesting accepted; real files nest about 10 levels."""

FILE = ""
"""Error path for problems with the file as a whole (size, encoding, JSON syntax), not one value."""

KNOWN_KEYS = ("version", "metadata", "architecture", "config", "weights", "sample_rate")
_VERSION_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_JSON_STRING_RE = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def parse_version(version: Any, at: str = "$.version") -> tuple[int, int, int]:
    """Parse and check a format version string; raise :class:`NamFileError` if unsupported."""
    if not isinstance(version, str):
        raise NamFileError(f"version must be a string like \"0.5.4\", got {type(version).__name__}", at)
    match = _VERSION_RE.match(version)
    if not match:
        raise NamFileError(f"version {version!r} is not of the form MAJOR.MINOR.PATCH", at)
    parsed = tuple(int(g) for g in match.groups())
    if parsed < EARLIEST_VERSION:
        raise NamFileError(f"version {version} is older than the earliest supported (0.5.0)", at)
    if parsed[0] > LATEST_VERSION[0] or parsed[1] > LATEST_VERSION[1]:
        raise NamFileError(
            f"version {version} is newer than this player supports (up to 0.7.x); update nam-web", at
        )
    return parsed  # type: ignore[return-value]


def require(obj: Any, key: str, types: type | tuple[type, ...], at: str) -> Any:
    """Return ``obj[key]`` checked against ``types``; the error names the JSON path."""
    if not isinstance(obj, dict):
        raise NamFileError(f"expected an object, got {type(obj).__name__}", at)
    if key not in obj:
        raise NamFileError(f"missing key {key!r}", at)
    value = obj[key]
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise NamFileError(f"expected {_type_names(types)}, got a boolean", f"{at}.{key}")
    if not isinstance(value, types):
        raise NamFileError(f"expected {_type_names(types)}, got {type(value).__name__}", f"{at}.{key}")
    return value


def _type_names(types: type | tuple[type, ...]) -> str:
    names = {int: "an integer", float: "a number", str: "a string", list: "a list", dict: "an object",
             bool: "true/false", type(None): "null"}
    seq = types if isinstance(types, tuple) else (types,)
    if int in seq and float in seq:
        seq = tuple(t for t in seq if t is not int)
    return " or ".join(names.get(t, t.__name__) for t in seq)


def _overflows(value: int) -> bool:
    try:
        float(value)
    except OverflowError:
        return True
    return False


def parse_weights(raw: Any, at: str = "$.weights") -> np.ndarray:
    """The weights list as float64 (bit-exact copy of the JSON numbers); must be finite numbers."""
    if not isinstance(raw, list):
        raise NamFileError(f"weights must be a list of numbers, got {type(raw).__name__}", at)
    if not set(map(type, raw)) <= {int, float}:  # NumPy would quietly read "0.5", true or [1]
        bad = next(i for i, w in enumerate(raw) if type(w) not in (int, float))
        raise NamFileError(f"weight is not a number: {raw[bad]!r}", f"{at}[{bad}]")
    try:
        weights = np.array(raw, dtype=np.float64)
    except OverflowError:  # an integer beyond float range
        bad = next(i for i, w in enumerate(raw) if isinstance(w, int) and _overflows(w))
        raise NamFileError("weight is a huge integer (not finite as a float); the file is damaged",
                           f"{at}[{bad}]") from None
    finite = np.isfinite(weights)
    if not finite.all():
        bad = int(np.argmin(finite))
        raise NamFileError(f"weight is not finite ({raw[bad]!r}); the file is damaged", f"{at}[{bad}]")
    return weights


@dataclass
class NamDocument:
    """One model document: the envelope of a .nam file (also used for nested models).

    ``weights`` holds the file's numbers as float64, exactly; engines cast them to float32.
    ``sample_rate`` is in Hz, or None when the file does not say (old files; NAM assumes 48 kHz).
    ``extra`` keeps top-level keys this version does not know, so they survive a save.
    """

    version: str
    architecture: str
    config: dict[str, Any]
    weights: np.ndarray
    sample_rate: float | None = None
    metadata: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    DEFAULT_SAMPLE_RATE = 48000.0

    @property
    def version_tuple(self) -> tuple[int, int, int]:
        return parse_version(self.version)

    @property
    def effective_sample_rate(self) -> float:
        """The rate the model expects (Hz); 48 kHz for files that do not record one, as NAM does."""
        return self.sample_rate if self.sample_rate is not None else self.DEFAULT_SAMPLE_RATE

    @classmethod
    def from_json(cls, doc: Any, at: str = "$") -> NamDocument:
        """Check the envelope of a parsed JSON document and wrap it."""
        if not isinstance(doc, dict):
            raise NamFileError(f"a .nam document must be a JSON object, got {type(doc).__name__}", at)
        version = require(doc, "version", str, at)
        parse_version(version, f"{at}.version")
        architecture = require(doc, "architecture", str, at)
        config = require(doc, "config", dict, at)
        weights = parse_weights(doc.get("weights", []), f"{at}.weights")
        sample_rate = doc.get("sample_rate")
        if sample_rate is not None:
            if isinstance(sample_rate, bool) or not isinstance(sample_rate, int | float):
                raise NamFileError("sample_rate must be a number (Hz)", f"{at}.sample_rate")
            if sample_rate == -1:
                sample_rate = None  # NAM Core's "unknown"
            elif not (math.isfinite(sample_rate) and 1000 <= sample_rate <= 768000):
                raise NamFileError(f"sample_rate {sample_rate!r} Hz is not a usable audio rate",
                                   f"{at}.sample_rate")
            else:
                sample_rate = float(sample_rate)
        metadata = doc.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise NamFileError("metadata must be an object", f"{at}.metadata")
        extra = {k: v for k, v in doc.items() if k not in KNOWN_KEYS}
        return cls(version, architecture, config, weights, sample_rate, metadata, extra)

    def to_json(self) -> dict[str, Any]:
        """The document as JSON-ready data; weights come back as the same doubles."""
        out: dict[str, Any] = {"version": self.version}
        if self.metadata is not None:
            out["metadata"] = self.metadata
        out["architecture"] = self.architecture
        out["config"] = self.config
        out["weights"] = self.weights.tolist()
        if self.sample_rate is not None:
            out["sample_rate"] = int(self.sample_rate) if self.sample_rate.is_integer() else self.sample_rate
        out.update(self.extra)
        return out

    def dumps(self) -> str:
        """Serialise to .nam JSON text (floats written so they read back bit-identical).

        Raises :class:`NamFileError` when a value cannot be written as JSON (NaN or infinity in
        the metadata, say): a .nam file must stay standard JSON for every NAM player.
        """
        try:
            return json.dumps(self.to_json(), allow_nan=False)
        except ValueError:
            raise NamFileError("the document holds NaN or Infinity, which a .nam (JSON) file cannot store; "
                               "it cannot be saved") from None


def check_nesting(data: bytes, limit: int = MAX_NESTING) -> None:
    """Refuse JSON nested deeper than ``limit`` before the parser recurses into it."""
    skeleton = np.frombuffer(_JSON_STRING_RE.sub(b'""', data), dtype=np.uint8)
    step = (np.isin(skeleton, (ord("["), ord("{"))).astype(np.int32)
            - np.isin(skeleton, (ord("]"), ord("}"))).astype(np.int32))
    if step.size and int(np.cumsum(step).max()) > limit:
        raise NamFileError(f"JSON is nested deeper than {limit} levels; not a .nam file", FILE)


def loads(data: str | bytes, *, max_bytes: int = MAX_FILE_BYTES) -> NamDocument:
    """Parse .nam text or bytes, refusing oversized, deeply nested or malformed documents."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        raise NamFileError(too_big("file", len(raw), max_bytes, ".nam files"), FILE)
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark some editors write
    check_nesting(raw)
    try:
        doc = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise NamFileError(f"not UTF-8 text ({exc.reason}); is this really a .nam file?", FILE) from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise NamFileError(f"not valid JSON: {exc.msg} at {where}", FILE) from None
    except RecursionError:
        raise NamFileError("JSON is nested too deeply; not a .nam file", FILE) from None
    return NamDocument.from_json(doc)


def load(path: str | Path, *, max_bytes: int = MAX_FILE_BYTES) -> NamDocument:
    """Read a .nam file from disk (size checked before reading)."""
    data = read_limited(path, max_bytes, ".nam files", lambda message: NamFileError(message, FILE))
    return loads(data, max_bytes=max_bytes)


def save(doc: NamDocument, path: str | Path) -> None:
    """Write a document to ``path`` atomically (a temporary file, then a rename)."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(doc.dumps(), encoding="utf-8")
    tmp.replace(p)
