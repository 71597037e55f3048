"""``nam-web info`` and the model facts behind it (size class, parameters, receptive field, MACs)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import MODELS
from nam_web import models, namfile
from nam_web.cli import main
from nam_web.models.describe import facts
from nam_web.models.size_class import size_class


def info_json(name: str, capsys) -> dict:
    assert main(["info", "--json", str(MODELS / name)]) == 0
    return json.loads(capsys.readouterr().out)


def test_lstm_facts_and_metadata(capsys) -> None:
    info = info_json("lstm.nam", capsys)
    assert info["architecture"] == "LSTM" and info["version"] == "0.5.4"
    assert info["sample_rate"] == 48000
    assert info["parameters"] == 70
    assert info["macs_per_sample"] == 4 * 3 * (1 + 3) + 3
    assert info["size_class"] == "custom"  # 1×3 is none of the trainer's LSTM presets
    assert info["metadata"]["name"] == "Test LSTM"
    assert info["metadata"]["gear_make"] == "Darkglass Electronics"
    assert info["metadata"]["tone_type"] == "clean"
    assert info["metadata"]["input_level_dbu"] == 18.3
    assert info["metadata"]["loudness"] == pytest.approx(-37.84, abs=0.01)
    assert info["training"]["latency_recommended_samples"] == -17


def test_standard_wavenet(capsys) -> None:
    info = info_json("wavenet_a1_standard.nam", capsys)
    assert info["size_class"] == "Standard"
    assert info["sample_rate"] is None  # a 0.5.0 file without a rate
    assert info["receptive_field_samples"] == 4093
    assert info["receptive_field_ms"] == pytest.approx(4093 / 48.0)
    assert info["parameters"] == 13802


def test_container_lists_its_submodels(capsys) -> None:
    info = info_json("slimmable_container.nam", capsys)
    subs = info["submodels"]
    assert [s["max_value"] for s in subs] == [0.33, 0.66, 1.0]
    assert [s["facts"]["architecture"] for s in subs] == ["LSTM", "WaveNet", "WaveNet"]
    assert info["parameters"] == sum(s["facts"]["parameters"] for s in subs) == 70 + 131 + 842
    assert info["size_class"] == subs[-1]["facts"]["size_class"] == "Nano"
    assert info["macs_per_sample"] == subs[-1]["facts"]["macs_per_sample"]


def test_text_report(capsys) -> None:
    assert main(["info", str(MODELS / "A2.nam")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("A2.nam\n")
    for text in ("SlimmableContainer (format 0.7.0)", "Submodel 0 (slim < 0.5):", "Submodel 1 (slim < 1):",
                 "Receptive field:", "ms)", "MACs per sample:", "Input level (dBu at 0 dBFS):", "14.76"):
        assert text in out


def test_bad_file_is_a_clear_error(tmp_path, capsys) -> None:
    bad = tmp_path / "broken.nam"
    bad.write_text('{"version": "0.8.0", "architecture": "LSTM", "config": {}, "weights": []}')
    assert main(["info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "nam-web info: error: $.version: version 0.8.0 is newer than this player supports" in err


def test_size_class_matches_the_trainer_presets() -> None:
    lite_lstm = models.parse_config(namfile.NamDocument(
        "0.5.4", "LSTM", {"input_size": 1, "hidden_size": 8, "num_layers": 2},
        np.zeros(4 * 8 * 9 + 4 * 8 + 16 + 4 * 8 * 16 + 4 * 8 + 16 + 9)))
    assert size_class(lite_lstm) == "Lite"
    assert facts(namfile.load(MODELS / "identity_wavenet_standard.nam")).size_class == "Standard"
    assert facts(namfile.load(MODELS / "A2.nam")).size_class == "custom"
    assert facts(namfile.load(MODELS / "identity_linear_10.nam")).size_class == "custom"
