"""The .nam ``metadata`` block: what each field means, how to check it, and validated editing.

The user fields and their enums follow the NAM trainer (``nam/models/metadata.py``:
``GearType``, ``ToneType``, ``UserMetadata``). Measured fields (date, loudness, gain, training)
are shown but never edited. Editing works on a copy: :class:`MetadataEditor` keeps an undo
history and hands back a new :class:`~nam_web.namfile.NamDocument` whose weights, version,
config and unknown keys are the original ones.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from nam_web.errors import NamFileError
from nam_web.namfile import NamDocument

GEAR_TYPES = ("amp", "pedal", "pedal_amp", "amp_cab", "amp_pedal_cab", "preamp", "studio")
"""The trainer's ``GearType`` values."""

TONE_TYPES = ("clean", "overdrive", "crunch", "hi_gain", "fuzz")
"""The trainer's ``ToneType`` values."""

MAX_TEXT_CHARS = 200
"""Longest free-text value accepted (name, maker, model, modeled_by)."""

DBU_RANGE = (-40.0, 40.0)
"""Accepted calibration levels (dBu at 0 dBFS); real interfaces sit between about 0 and +28 dBu."""


@dataclass(frozen=True)
class Field:
    """One user-editable metadata field: its key, label, kind ("text", "enum", "dbu") and choices."""

    key: str
    label: str
    kind: str
    choices: tuple[str, ...] = ()

    def parse(self, value: Any) -> str | float | None:
        """Check ``value`` (text from a form or the command line, or a JSON value) for this field.

        Empty text or None means "not set". Raises :class:`NamFileError` (a ValueError) whose
        path names the field (``$.metadata.gear_type``).
        """
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if self.kind == "dbu":
            return self._parse_dbu(value)
        if not isinstance(value, str):
            raise self.error(f"expected text, got {type(value).__name__}")
        text = value.strip()
        if self.kind == "enum":
            if text not in self.choices:
                raise self.error(f"{text!r} is not one of {', '.join(self.choices)}")
            return text
        if len(text) > MAX_TEXT_CHARS:
            raise self.error(f"{len(text)} characters; at most {MAX_TEXT_CHARS} allowed")
        if any(ord(c) < 32 for c in text):
            raise self.error("control characters (such as line breaks) are not allowed")
        return text

    def error(self, reason: str) -> NamFileError:
        return NamFileError(reason, f"$.metadata.{self.key}")

    def _parse_dbu(self, value: Any) -> float:
        if isinstance(value, bool):
            raise self.error("expected a level in dBu, got true/false")
        try:
            level = float(value)
        except (TypeError, ValueError):
            raise self.error(f"{value!r} is not a number (dBu)") from None
        low, high = DBU_RANGE
        if not (math.isfinite(level) and low <= level <= high):
            raise self.error(f"{level:g} dBu is outside {low:g}..{high:g} dBu")
        return level


FIELDS: tuple[Field, ...] = (
    Field("name", "Name", "text"),
    Field("modeled_by", "Modeled by", "text"),
    Field("gear_make", "Gear make", "text"),
    Field("gear_model", "Gear model", "text"),
    Field("gear_type", "Gear type", "enum", GEAR_TYPES),
    Field("tone_type", "Tone type", "enum", TONE_TYPES),
    Field("input_level_dbu", "Input level (dBu at 0 dBFS)", "dbu"),
    Field("output_level_dbu", "Output level (dBu at 0 dBFS)", "dbu"),
)
FIELDS_BY_KEY = {f.key: f for f in FIELDS}


def field(key: str) -> Field:
    """The editable field called ``key``; the error lists the editable ones otherwise."""
    try:
        return FIELDS_BY_KEY[key]
    except KeyError:
        raise NamFileError(f"{key!r} is not an editable field (editable: {', '.join(FIELDS_BY_KEY)})",
                           f"$.metadata.{key}") from None


def problems(metadata: Mapping[str, Any] | None) -> dict[str, str]:
    """Fields of a file's metadata that the editor would refuse, as ``{key: reason}`` (for warnings)."""
    found: dict[str, str] = {}
    for f in FIELDS:
        value = (metadata or {}).get(f.key)
        try:
            if f.kind == "dbu" and isinstance(value, str):
                raise f.error(f"expected a number (dBu), got text {value!r}")
            f.parse(value)
        except NamFileError as exc:
            found[f.key] = exc.reason
    return found


def parse_assignment(text: str) -> tuple[str, str]:
    """Split a command-line ``KEY=VALUE`` into its parts (the value may contain ``=``)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise NamFileError(f"expected KEY=VALUE, got {text!r}", "")
    return key.strip(), value


class MetadataEditor:
    """Edits to one document's user metadata, with undo; the original document is never changed.

    ``set(key, value)`` validates and records one change; ``undo()`` takes back the latest;
    ``document()`` is a new document with the edits applied (weights, version, config and unknown
    keys are the original ones, untouched).
    """

    def __init__(self, doc: NamDocument) -> None:
        self.original = doc
        self._history: list[dict[str, Any]] = [copy.deepcopy(doc.metadata or {})]

    @property
    def metadata(self) -> dict[str, Any]:
        """The metadata as edited so far (a copy)."""
        return copy.deepcopy(self._history[-1])

    def set(self, key: str, value: Any) -> str | float | None:
        """Validate and apply one field; returns the stored value (None = cleared)."""
        parsed = field(key).parse(value)
        edited = copy.deepcopy(self._history[-1])
        if parsed is None:
            if key in edited:
                edited[key] = None  # the trainer writes unset fields as null
        else:
            edited[key] = parsed
        if edited != self._history[-1]:
            self._history.append(edited)
        return parsed

    def undo(self) -> bool:
        """Take back the latest change; False when there is nothing to undo."""
        if len(self._history) == 1:
            return False
        self._history.pop()
        return True

    @property
    def can_undo(self) -> bool:
        return len(self._history) > 1

    def changes(self) -> dict[str, tuple[Any, Any]]:
        """``{key: (before, after)}`` for every field that differs from the original."""
        before, after = self._history[0], self._history[-1]
        return {k: (before.get(k), after.get(k)) for k in sorted(set(before) | set(after))
                if before.get(k) != after.get(k)}

    def document(self) -> NamDocument:
        """The edited document, ready to save (a new object; the original is left as it was)."""
        if not self.can_undo:
            return self.original
        return replace(self.original, metadata=self.metadata)

    def saved_text(self) -> str:
        """The edited document as .nam JSON text (NaN or Infinity anywhere is refused by ``dumps``)."""
        return self.document().dumps()


def edit(doc: NamDocument, assignments: Mapping[str, Any]) -> NamDocument:
    """Apply ``{field: value}`` edits in one go; the first invalid one raises :class:`NamFileError`."""
    editor = MetadataEditor(doc)
    for key, value in assignments.items():
        editor.set(key, value)
    return editor.document()

