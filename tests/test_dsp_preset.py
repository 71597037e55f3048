"""Chain presets: JSON round trip, schema version, file references, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nam_web.dsp.chain import ChainSettings
from nam_web.dsp.preset import SCHEMA, FileRef, Preset, PresetError, sha256


def test_round_trip(tmp_path: Path) -> None:
    model = tmp_path / "amp.nam"
    model.write_bytes(b"{}")
    preset = Preset(ChainSettings(bass=7.0, gate_active=True, gate_threshold_db=-60.0), FileRef.of(model),
                    None, "Crunch")
    preset.save(tmp_path / "p.json")
    loaded = Preset.load(tmp_path / "p.json")
    assert loaded == preset
    doc = json.loads((tmp_path / "p.json").read_text())
    assert doc["schema"] == SCHEMA and doc["model"] == {"file": "amp.nam", "sha256": sha256(b"{}")}


def test_missing_settings_take_defaults() -> None:
    p = Preset.loads('{"schema": 1, "settings": {"treble": 8}}')
    assert p.settings == ChainSettings(treble=8) and p.model is None and p.ir is None


@pytest.mark.parametrize(("text", "message"), [
    ("not json", "not valid JSON"),
    ("[]", "JSON object"),
    ('{"settings": {}}', "schema"),
    ('{"schema": 2}', "newer"),
    ('{"schema": 1, "colour": "red"}', "unknown preset key"),
    ('{"schema": 1, "settings": {"bass": 11}}', "bass"),
    ('{"schema": 1, "settings": {"volume": 11}}', "unknown setting"),
    ('{"schema": 1, "model": {"file": "../x.nam", "sha256": "00"}}', "plain file name"),
    ('{"schema": 1, "ir": {"file": "cab.wav", "sha256": "xyz"}}', "sha256"),
])
def test_bad_presets_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(PresetError, match=message):
        Preset.loads(text)


def test_huge_preset_is_refused() -> None:
    with pytest.raises(PresetError, match="larger"):
        Preset.loads('{"schema": 1, "name": "' + "x" * 100_000 + '"}')


def test_file_reference_finds_and_checks_content(tmp_path: Path) -> None:
    (tmp_path / "cab.wav").write_bytes(b"RIFF....")
    ref = FileRef.of(tmp_path / "cab.wav")
    assert ref.find([tmp_path / "elsewhere", tmp_path]) == tmp_path / "cab.wav"
    (tmp_path / "cab.wav").write_bytes(b"changed")
    with pytest.raises(PresetError, match="not the file"):
        ref.find([tmp_path])
    with pytest.raises(PresetError, match="cannot find"):
        FileRef("gone.wav", ref.sha256).find([tmp_path])
