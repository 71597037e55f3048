"""Metadata schema and validated editing: trainer enums, field checks, undo, exact weights on save."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import MODELS
from nam_web import namfile
from nam_web.errors import NamFileError
from nam_web.inspect.metadata import GEAR_TYPES, TONE_TYPES, MetadataEditor, edit, parse_assignment, problems

TRAINER = Path("/work/.mirror/sdatkinson+neural-amp-modeler/repo")


def _trainer_enum(source: str, name: str) -> tuple[str, ...]:
    body = source.split(f"class {name}(_Enum):", 1)[1].split("\n\n", 1)[0]
    return tuple(re.findall(r'=\s*"([^"]+)"', body))


def test_enums_match_the_trainer() -> None:
    if not TRAINER.exists():
        pytest.skip("the neural-amp-modeler trainer mirror is not on this machine")
    source = subprocess.run(["git", "-C", str(TRAINER), "show", "HEAD:nam/models/metadata.py"],
                            capture_output=True, text=True, check=True).stdout
    assert _trainer_enum(source, "GearType") == GEAR_TYPES
    assert _trainer_enum(source, "ToneType") == TONE_TYPES


@pytest.mark.parametrize(("key", "value", "message"), [
    ("gear_type", "amplifier", "is not one of amp, pedal"),
    ("tone_type", "metal", "is not one of clean"),
    ("input_level_dbu", "loud", "is not a number"),
    ("output_level_dbu", "95", "outside -40..40 dBu"),
    ("input_level_dbu", "nan", "outside"),
    ("name", "x" * 201, "at most 200"),
    ("gear_make", "two\nlines", "control characters"),
    ("loudness", "-10", "not an editable field"),
])
def test_bad_values_are_refused_naming_the_field(key: str, value: str, message: str) -> None:
    doc = namfile.load(MODELS / "lstm.nam")
    with pytest.raises(NamFileError, match=message) as info:
        edit(doc, {key: value})
    assert info.value.path == f"$.metadata.{key}"


def test_edit_keeps_weights_version_and_unknown_keys_and_leaves_the_original_alone() -> None:
    raw = json.loads((MODELS / "wavenet_a2_max.nam").read_text())
    doc = namfile.NamDocument.from_json(raw)
    before = copy.deepcopy(doc.metadata)
    edited = edit(doc, {"name": "  Plexi crunch ", "gear_type": "amp", "tone_type": "crunch",
                        "input_level_dbu": "12.5"})
    assert doc.metadata == before
    assert edited.metadata["name"] == "Plexi crunch"
    assert edited.metadata["input_level_dbu"] == 12.5
    assert edited.metadata["modeled_by"] == before["modeled_by"]
    saved = json.loads(edited.dumps())
    assert saved["version"] == raw["version"]
    assert saved["notes"] == raw["notes"]
    assert saved["config"] == raw["config"]
    assert np.array_equal(np.array(saved["weights"]), np.array(raw["weights"]))
    assert saved["weights"] == raw["weights"]


def test_undo_goes_back_step_by_step() -> None:
    doc = namfile.load(MODELS / "lstm.nam")
    editor = MetadataEditor(doc)
    assert not editor.can_undo and editor.document() is doc
    editor.set("name", "First")
    editor.set("tone_type", "hi_gain")
    editor.set("tone_type", "hi_gain")  # no change, no extra undo step
    assert editor.changes() == {"name": ("Test LSTM", "First"), "tone_type": ("clean", "hi_gain")}
    assert editor.undo()
    assert editor.changes() == {"name": ("Test LSTM", "First")}
    assert editor.undo()
    assert not editor.undo()
    assert editor.document() is doc


def test_clearing_a_field_writes_null_like_the_trainer() -> None:
    doc = namfile.load(MODELS / "lstm.nam")
    edited = edit(doc, {"gear_make": "", "name": None})
    assert edited.metadata["gear_make"] is None and edited.metadata["name"] is None
    assert "gear_model" in edited.metadata


def test_problems_lists_fields_the_editor_would_refuse() -> None:
    assert problems({"gear_type": "banjo", "input_level_dbu": "12", "name": "ok"}) == {
        "gear_type": "'banjo' is not one of amp, pedal, pedal_amp, amp_cab, amp_pedal_cab, preamp, studio",
        "input_level_dbu": "expected a number (dBu), got text '12'",
    }
    assert problems(None) == {}


def test_parse_assignment() -> None:
    assert parse_assignment("name=A=B") == ("name", "A=B")
    with pytest.raises(NamFileError, match="KEY=VALUE"):
        parse_assignment("gear_type")
