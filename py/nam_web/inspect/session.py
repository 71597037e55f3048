"""The inspector page's Python side: two slots (A and B), each an opened model with its editor.

The page's worker calls these methods with plain values and gets JSON text back, so the same
object is easy to drive from pytest. Nothing here touches the model library: saving returns the
new file's bytes and the page decides where they go.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from nam_web import models, namfile
from nam_web.errors import NamWebError
from nam_web.inspect.cpu import cpu_load
from nam_web.inspect.metadata import FIELDS, MAX_TEXT_CHARS, MetadataEditor
from nam_web.inspect.report import compare, describe
from nam_web.inspect.response import measure
from nam_web.inspect.weights import weight_tables

SLOTS = ("A", "B")


@dataclass
class Opened:
    """One model in a slot: its file name, the document as read, and the pending edits."""

    file_name: str
    editor: MetadataEditor


def _finite(value: Any) -> Any:
    """``value`` with NaN/±inf floats (JSON.parse refuses them) replaced by None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _dumps(value: Any) -> str:
    return json.dumps(_finite(value), allow_nan=False, default=str)


def _error(exc: Exception) -> str:
    reason = getattr(exc, "reason", None)
    return json.dumps({"error": str(exc), "path": getattr(exc, "path", None), "reason": reason or str(exc)})


class InspectorSession:
    """What the inspector page has open. Every method returns JSON text; failures give ``{"error"}``."""

    def __init__(self) -> None:
        self.slots: dict[str, Opened] = {}

    @staticmethod
    def limits() -> str:
        """Limits the page checks before sending a file (bytes) and the editable fields' schema."""
        return json.dumps({
            "max_file_bytes": namfile.MAX_FILE_BYTES,
            "max_text_chars": MAX_TEXT_CHARS,
            "fields": [{"key": f.key, "label": f.label, "kind": f.kind, "choices": list(f.choices)}
                       for f in FIELDS],
        })

    def _slot(self, slot: str) -> Opened:
        if slot not in self.slots:
            raise NamWebError(f"slot {slot} has no model open")
        return self.slots[slot]

    def open(self, slot: str, path: str, file_name: str) -> str:
        """Read the .nam file at ``path`` into ``slot`` (A or B) and describe it.

        (The page writes a dropped file into Pyodide's file system first.) A bad file leaves the
        slot empty and returns its error.
        """
        self.slots.pop(slot, None)
        try:
            doc = namfile.load(path)
            info = describe(doc)
            tables = [t.to_json() for t in weight_tables(doc)]
        except (NamWebError, RecursionError, MemoryError) as exc:
            return _error(exc)
        self.slots[slot] = Opened(file_name, MetadataEditor(doc))
        return _dumps({"file_name": file_name, "describe": info, "weights": tables,
                       "edits": self._edits(slot)})

    def close(self, slot: str) -> str:
        self.slots.pop(slot, None)
        return json.dumps({"closed": slot})

    def response(self, slot: str) -> str:
        """Sine measurements of the model in ``slot`` (gain curve, harmonics, frequency response)."""
        try:
            return _dumps(measure(self._slot(slot).editor.original).to_json())
        except NamWebError as exc:
            return _error(exc)

    def cpu(self, slot: str) -> str:
        """Fraction of real time the engine needs in this browser, per block size."""
        try:
            doc = self._slot(slot).editor.original
            engine = models.build(doc)
            engine.prewarm()
            loads = cpu_load(engine, doc.effective_sample_rate)
        except NamWebError as exc:
            return _error(exc)
        return json.dumps({str(block): load for block, load in loads.items()})

    def _edits(self, slot: str) -> dict[str, Any]:
        editor = self._slot(slot).editor
        return {"metadata": editor.metadata, "can_undo": editor.can_undo,
                "changes": {k: list(v) for k, v in editor.changes().items()}}

    def set_field(self, slot: str, key: str, value: Any) -> str:
        """Validate and apply one metadata edit (held until saved); an invalid value is refused."""
        try:
            self._slot(slot).editor.set(key, value)
        except NamWebError as exc:
            return _error(exc)
        return _dumps(self._edits(slot))

    def undo(self, slot: str) -> str:
        self._slot(slot).editor.undo()
        return _dumps(self._edits(slot))

    def save(self, slot: str) -> bytes:
        """The edited file's bytes (UTF-8 JSON): the same weights, version and unknown keys."""
        return self._slot(slot).editor.saved_text().encode("utf-8")

    def compare(self) -> str:
        """A and B described side by side (needs both slots)."""
        try:
            a, b = (describe(self._slot(s).editor.document()) for s in SLOTS)
        except NamWebError as exc:
            return _error(exc)
        return _dumps(compare(a, b))
