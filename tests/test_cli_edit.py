"""``nam-web edit``: set fields, refuse bad values, keep the weights exactly."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import MODELS
from nam_web.cli import main


def test_edit_sets_fields_and_keeps_everything_else(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out.nam"
    assert main(["edit", str(MODELS / "wavenet.nam"), "--set", "name=Bass DI", "--set", "gear_type=preamp",
                 "--set", "output_level_dbu=6", "-o", str(out)]) == 0
    assert "gear_type: 'amp' -> 'preamp'" in capsys.readouterr().out
    before, after = json.loads((MODELS / "wavenet.nam").read_text()), json.loads(out.read_text())
    assert after["metadata"] == {**before["metadata"], "name": "Bass DI", "gear_type": "preamp",
                                 "output_level_dbu": 6.0}
    assert {k: v for k, v in after.items() if k != "metadata"} == {k: v for k, v in before.items()
                                                                   if k != "metadata"}


def test_edit_refuses_a_bad_value_and_writes_nothing(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out.nam"
    assert main(["edit", str(MODELS / "lstm.nam"), "--set", "tone_type=djent", "-o", str(out)]) == 2
    assert "$.metadata.tone_type: 'djent' is not one of clean" in capsys.readouterr().err
    assert not out.exists()


def test_edit_refuses_a_broken_file(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "broken.nam"
    broken.write_text('{"version": "0.5.4", "architecture": "Linear", "config": {}, "weights": ["x"]}')
    assert main(["edit", str(broken), "--set", "name=x", "-o", str(tmp_path / "o.nam")]) == 2
    assert "$.weights[0]: weight is not a number" in capsys.readouterr().err


def test_edit_refuses_to_write_nan_back(tmp_path: Path, capsys) -> None:
    raw = json.loads((MODELS / "lstm.nam").read_text())
    raw["metadata"]["loudness"] = float("nan")
    source = tmp_path / "nan.nam"
    source.write_text(json.dumps(raw))
    out = tmp_path / "out.nam"
    assert main(["edit", str(source), "--set", "name=x", "-o", str(out)]) == 2
    assert "NaN or Infinity" in capsys.readouterr().err
    assert not out.exists()
