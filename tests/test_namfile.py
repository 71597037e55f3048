"""Reading, checking and writing .nam documents: hostile and broken files get clear errors, fast.

Every bad file must raise :class:`NamFileError` naming the problem and (where there is one) the
JSON path of the offending value; nothing may crash, hang or allocate absurd amounts of memory.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from conftest import MODELS
from nam_web import models, namfile
from nam_web.errors import NamFileError

LSTM = json.loads((MODELS / "lstm.nam").read_text())


def load_text(text: str | bytes) -> models.Model:
    """Parse and build an engine: what the player does with a dropped file."""
    return models.build(namfile.loads(text))


def variant(**changes) -> str:
    doc = json.loads(json.dumps(LSTM))
    for key, value in changes.items():
        if value is None:
            doc.pop(key)
        else:
            doc[key] = value
    return json.dumps(doc)


def refused(text: str | bytes, match: str) -> NamFileError:
    with pytest.raises(NamFileError, match=match) as info:
        load_text(text)
    return info.value


@pytest.mark.parametrize(("text", "match"), [
    ("", "not valid JSON: Expecting value at line 1, column 1"),
    ('{"version": "0.5.4",', "not valid JSON"),
    (b"\x80\x81 binary junk", "not UTF-8 text"),
    (b"\xff\xfe\x00garbage", "not valid JSON"),
])
def test_malformed_json(text: str | bytes, match: str) -> None:
    error = refused(text, match)
    assert error.path == ""  # about the file as a whole, not one value
    assert str(error).startswith(("not valid JSON", "not UTF-8"))


@pytest.mark.parametrize(("text", "match"), [
    ("[1, 2, 3]", "a .nam document must be a JSON object, got list"),
    ("null", "must be a JSON object, got NoneType"),
])
def test_json_that_is_not_a_document(text: str, match: str) -> None:
    assert refused(text, match).path == "$"


def test_byte_order_mark_is_accepted() -> None:
    assert load_text(b"\xef\xbb\xbf" + variant().encode()).config.hidden_size == 3


@pytest.mark.parametrize("key", ["version", "architecture", "config"])
def test_missing_envelope_keys(key: str) -> None:
    error = refused(variant(**{key: None}), f"missing key '{key}'")
    assert error.path == "$"


def test_missing_config_key_names_its_path() -> None:
    config = dict(LSTM["config"])
    del config["hidden_size"]
    assert refused(variant(config=config), "missing key 'hidden_size'").path == "$.config"


def test_unknown_architecture_lists_known_ones() -> None:
    error = refused(variant(architecture="Transformer"), r"architecture 'Transformer' \(known: .*LSTM")
    assert error.path == "$.architecture"


def test_unknown_activation() -> None:
    doc = json.loads((MODELS / "wavenet.nam").read_text())
    doc["config"]["layers"][1]["activation"] = "Swish9000"
    assert refused(json.dumps(doc), "unknown activation 'Swish9000'").path.startswith("$.config.layers[1]")


@pytest.mark.parametrize(("version", "match"), [
    ("0.8.0", r"version 0\.8\.0 is newer than this player supports \(up to 0\.7\.x\)"),
    ("1.0.0", "newer than this player supports"),
    ("0.4.9", "older than the earliest supported"),
    ("0.5", "not of the form MAJOR.MINOR.PATCH"),
    (5, "expected a string, got int"),
])
def test_versions(version, match: str) -> None:
    assert refused(variant(version=version), match).path == "$.version"


def test_patch_releases_of_supported_versions_load() -> None:
    assert load_text(variant(version="0.7.9")).config.num_layers == 1


def test_weight_count_mismatch() -> None:
    error = refused(variant(weights=LSTM["weights"][:-2]), "expected 70 weights from config, file has 68")
    assert error.path == "$.weights"
    refused(variant(weights=[*LSTM["weights"], 0.5]), "expected 70 weights from config, file has 71")


@pytest.mark.parametrize(("bad", "match"), [
    (float("nan"), r"weight is not finite \(nan\)"),
    (float("inf"), r"weight is not finite \(inf\)"),
    ("0.5", "weight is not a number: '0.5'"),
    (True, "weight is not a number: True"),
    (None, "weight is not a number: None"),
    ([0.5], r"weight is not a number: \[0\.5\]"),
])
def test_bad_weights_name_their_index(bad, match: str) -> None:
    weights = list(LSTM["weights"])
    weights[17] = bad
    assert refused(variant(weights=weights), match).path == "$.weights[17]"


def test_huge_integer_weight() -> None:
    text = variant().replace('"weights": [', f'"weights": [{10**400}, ', 1)
    assert refused(text, "huge integer").path == "$.weights[0]"


@pytest.mark.parametrize(("key", "value", "match"), [
    ("hidden_size", "3", "expected an integer, got str"),
    ("num_layers", 1.5, "expected an integer, got float"),
    ("hidden_size", True, "got a boolean"),
])
def test_strings_and_other_types_where_numbers_belong(key: str, value, match: str) -> None:
    assert refused(variant(config={**LSTM["config"], key: value}), match).path == f"$.config.{key}"


@pytest.mark.parametrize(("field", "value", "match"), [
    ("sample_rate", "48000", "sample_rate must be a number"),
    ("sample_rate", 5, "not a usable audio rate"),
    ("metadata", "Steve's amp", "metadata must be an object"),
])
def test_envelope_field_types(field: str, value, match: str) -> None:
    assert refused(variant(**{field: value}), match).path == f"$.{field}"


def test_deeply_nested_json_is_refused_before_parsing() -> None:
    for text in ("[" * 100_000 + "]" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000):
        assert "nested deeper than" in str(refused(text, "nested"))
    # brackets inside strings do not count
    assert load_text(variant(metadata={"name": "[[[[" * 100})).config.hidden_size == 3


@pytest.mark.parametrize(("architecture", "config"), [
    ("LSTM", {"input_size": 1, "hidden_size": 10**9, "num_layers": 1}),
    ("LSTM", {"input_size": 1, "hidden_size": 8, "num_layers": 10**9}),
    ("Linear", {"receptive_field": 10**12, "bias": False}),
    ("ConvNet", {"channels": 10**7, "dilations": [1], "batchnorm": False, "activation": "Tanh"}),
    ("ConvNet", {"channels": 2, "dilations": [1] * 10**5, "batchnorm": False, "activation": "Tanh"}),
    ("WaveNet", {"layers": [{"input_size": 1, "condition_size": 1, "head_size": 1, "channels": 10**7,
                             "kernel_size": 3, "dilations": [1], "activation": "Tanh", "gated": False,
                             "head_bias": False}], "head_scale": 1.0}),
    ("WaveNet", {"layers": [{"input_size": 1, "condition_size": 1, "head_size": 1, "channels": 4,
                             "kernel_size": 3, "dilations": [2**40], "activation": "Tanh", "gated": False,
                             "head_bias": False}], "head_scale": 1.0}),
])
def test_absurd_sizes_are_refused_quickly(architecture: str, config: dict) -> None:
    doc = {"version": "0.5.4", "architecture": architecture, "config": config, "weights": [0.1] * 10}
    text = json.dumps(doc)
    start = time.perf_counter()
    with pytest.raises(NamFileError, match=r"\$\.config\."):
        load_text(text)
    assert time.perf_counter() - start < 0.5


def test_oversized_files_are_refused_without_reading(tmp_path) -> None:
    big = tmp_path / "huge.nam"
    with big.open("wb") as f:
        f.truncate(200 * 2**20)  # sparse: 200 MB on paper, nothing on disk
    start = time.perf_counter()
    with pytest.raises(NamFileError, match=r"huge\.nam is 200\.0 MB; \.nam files larger than 64 MB"):
        namfile.load(big)
    assert time.perf_counter() - start < 0.5
    with pytest.raises(NamFileError, match="larger than 1 MB are refused"):
        namfile.loads(b" " * (2**20 + 1), max_bytes=2**20)


def test_unreadable_paths(tmp_path) -> None:
    with pytest.raises(NamFileError, match="cannot open"):
        namfile.load(tmp_path / "missing.nam")
    with pytest.raises(NamFileError, match="cannot open"):
        namfile.load(tmp_path)  # a directory


@pytest.mark.parametrize("path", sorted(MODELS.glob("*.nam")), ids=lambda p: p.stem)
def test_round_trip_keeps_weights_bit_identical_and_unknown_keys(path, tmp_path) -> None:
    raw = json.loads(path.read_text())
    raw["x_custom_tool"] = {"note": "keep me", "numbers": [1, 2.5]}
    doc = namfile.loads(json.dumps(raw))
    out = tmp_path / "copy.nam"
    namfile.save(doc, out)
    again = namfile.load(out)
    assert again.weights.tobytes() == doc.weights.tobytes()
    written = json.loads(out.read_text())
    assert written["x_custom_tool"] == raw["x_custom_tool"]
    for key in ("version", "architecture", "config", "metadata"):
        assert written.get(key) == raw.get(key)
    assert np.array_equal(np.array(written["weights"], dtype=float), np.array(raw["weights"], dtype=float))
    models.build(again)  # still a valid model


def test_round_trip_of_awkward_doubles() -> None:
    weights = [0.1, 1e-320, -0.0, 2.0**-1074, 1.7976931348623157e308, 1 / 3]
    doc = namfile.NamDocument("0.5.4", "Linear", {"receptive_field": 6, "bias": False}, np.array(weights))
    again = namfile.loads(doc.dumps())
    assert again.weights.tobytes() == np.array(weights).tobytes()
