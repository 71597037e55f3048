"""The inspector overview (describe) and the A/B comparison."""

from __future__ import annotations

import json

import pytest
from conftest import MODELS
from nam_web import namfile
from nam_web.errors import NamFileError
from nam_web.inspect.report import compare, describe


def test_describe_an_lstm_capture() -> None:
    info = describe(namfile.load(MODELS / "lstm.nam"))
    assert info["architecture"] == "LSTM" and info["version"] == "0.5.4"
    assert info["metadata"]["gear_make"] == "Darkglass Electronics"
    assert info["metadata"]["input_level_dbu"] == 18.3
    assert info["date"] == "2024-10-09 18:44:41"
    assert info["measured"]["loudness"] == pytest.approx(-37.84, abs=0.01)
    assert info["training"]["latency_recommended_samples"] == -17
    assert info["training"]["data_checks_passed"] is True
    assert info["facts"]["parameters"] == 70
    assert info["facts"]["size_class"] == "custom"  # 1 layer of 3: none of the trainer's presets
    assert info["metadata_problems"] == {}
    json.dumps(info)


def test_describe_refuses_a_config_that_does_not_fit_its_weights() -> None:
    raw = json.loads((MODELS / "identity_linear_10.nam").read_text())
    raw["config"]["receptive_field"] = 12
    with pytest.raises(NamFileError, match="expected 12 weights"):
        describe(namfile.NamDocument.from_json(raw))


def test_compare_lines_up_two_models() -> None:
    a = describe(namfile.load(MODELS / "identity_linear_1.nam"))
    b = describe(namfile.load(MODELS / "identity_linear_10.nam"))
    rows = {r["key"]: r for r in compare(a, b)}
    assert rows["facts.parameters"] == {"key": "facts.parameters", "a": 1, "b": 10, "same": False}
    assert rows["architecture"]["same"]
