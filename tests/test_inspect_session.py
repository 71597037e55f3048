"""The inspector page's Python side: open, edit, undo, save, compare, and hostile files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import MODELS
from nam_web import namfile
from nam_web.inspect.session import InspectorSession


def test_open_edit_save_keeps_the_weights_exactly(tmp_path: Path) -> None:
    session = InspectorSession()
    opened = json.loads(session.open("A", str(MODELS / "wavenet.nam"), "wavenet.nam"))
    assert opened["describe"]["metadata"]["name"] == "Test Model"
    assert sum(t["count"] for t in opened["weights"]) == opened["describe"]["facts"]["parameters"]
    refused = json.loads(session.set_field("A", "tone_type", "djent"))
    assert refused["path"] == "$.metadata.tone_type"
    edits = json.loads(session.set_field("A", "tone_type", "fuzz"))
    assert edits["changes"] == {"tone_type": ["clean", "fuzz"]} and edits["can_undo"]
    saved = tmp_path / "saved.nam"
    saved.write_bytes(session.save("A"))
    before, after = namfile.load(MODELS / "wavenet.nam"), namfile.load(saved)
    assert after.weights.tobytes() == before.weights.tobytes()
    assert (after.version, after.config) == (before.version, before.config)
    assert after.metadata["tone_type"] == "fuzz"
    assert not json.loads(session.undo("A"))["can_undo"]


def test_measurements_and_compare_are_plain_json() -> None:
    session = InspectorSession()
    session.open("A", str(MODELS / "identity_linear_10.nam"), "a.nam")
    session.open("B", str(MODELS / "wavenet.nam"), "b.nam")
    loads = json.loads(session.cpu("A"))
    assert set(loads) == {"64", "128", "256", "512", "1024", "2048"} and all(v > 0 for v in loads.values())
    response = json.loads(session.response("B"))
    assert len(response["frequency"]) == 3 and len(response["levels"]["gain_db"]) == 13
    rows = {r["key"]: r for r in json.loads(session.compare())}
    assert rows["architecture"] == {"key": "architecture", "a": "Linear", "b": "WaveNet", "same": False}


def _hostile(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(("name", "make", "message"), [
    ("string.nam", lambda raw: raw["config"].update(hidden_size="3"),
     "$.config.hidden_size: expected an integer"),
    ("dilation.nam", None, "$.config.layers[0].dilations[1]: dilation must be an integer"),
    ("nested.nam", "[" * 100_000, "nested deeper than 64 levels"),
    ("truncated.nam", '{"version": "0.5.4", "weights": [1, 2', "not valid JSON"),
])
def test_hostile_files_are_refused_quickly_naming_the_problem(tmp_path: Path, name, make, message) -> None:
    if isinstance(make, str):
        path = _hostile(tmp_path, name, make)
    elif make is None:
        raw = json.loads((MODELS / "wavenet.nam").read_text())
        raw["config"]["layers"][0]["dilations"] = [1, 10**9]
        path = _hostile(tmp_path, name, json.dumps(raw))
    else:
        raw = json.loads((MODELS / "lstm.nam").read_text())
        make(raw)
        path = _hostile(tmp_path, name, json.dumps(raw))
    session = InspectorSession()
    start = time.perf_counter()
    result = json.loads(session.open("A", str(path), name))
    assert time.perf_counter() - start < 2
    assert message in result["error"]
    assert "A" not in session.slots


def test_a_200_mb_file_is_refused_from_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.nam"
    with path.open("wb") as f:
        f.truncate(200 * 2**20)  # sparse: no disk space used, never read
    result = json.loads(InspectorSession().open("A", str(path), "huge.nam"))
    assert "huge.nam is 200.0 MB" in result["error"]


def test_non_finite_metadata_arrives_as_null(tmp_path: Path) -> None:
    raw = json.loads((MODELS / "lstm.nam").read_text())
    raw["metadata"]["loudness"] = float("nan")  # Python writes NaN; the page's JSON.parse cannot read it
    path = _hostile(tmp_path, "nan-loudness.nam", json.dumps(raw))

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON for the page")

    opened = json.loads(InspectorSession().open("A", str(path), "x.nam"), parse_constant=refuse)
    assert opened["describe"]["measured"]["loudness"] is None
