"""Weight layout and per-tensor statistics."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import MODELS
from nam_web import namfile
from nam_web.inspect.layout import weight_layout
from nam_web.inspect.weights import tensor_stats, weight_tables


def test_tensor_stats_counts_zeros_and_non_finite_values() -> None:
    table = tensor_stats("w", np.array([0.0, 1.0, -3.0, np.nan, np.inf, 0.0]), (2, 3), bins=4)
    assert (table.count, table.zeros, table.nonfinite) == (6, 2, 2)
    assert (table.min, table.max) == (-3.0, 1.0)
    assert table.mean == pytest.approx(-0.5)
    edges, counts = table.histogram
    assert len(edges) == 5 and sum(counts) == 4


def test_linear_layout_is_the_taps() -> None:
    doc = namfile.load(MODELS / "identity_linear_10.nam")
    [taps] = weight_tables(doc)
    assert (taps.name, taps.shape, taps.zeros, taps.max) == ("taps", (10,), 9, 1.0)


def test_lstm_layout_follows_nam_core_order() -> None:
    doc = namfile.load(MODELS / "lstm.nam")
    blocks = weight_layout(doc)
    assert [(b.name, b.shape) for b in blocks] == [
        ("lstm0.weight", (12, 4)), ("lstm0.bias", (12,)), ("lstm0.initial_hidden", (3,)),
        ("lstm0.initial_cell", (3,)), ("head.weight", (1, 3)), ("head.bias", (1,))]
    assert sum(b.size for b in blocks) == doc.weights.size
    tables = weight_tables(doc)
    last = tables[-1]
    assert last.count == 1 and last.min == doc.weights[-1]


def test_wavenet_layout_names_every_tensor_of_an_a2_test_model() -> None:
    doc = namfile.load(MODELS / "wavenet_a2_max.nam")
    names = [b.name for b in weight_layout(doc)]
    assert names[0] == "array0.rechannel" and names[-1] == "head_scale"
    assert "weights" not in names
    assert any("film" in n for n in names)


def test_every_fixture_gets_tables_that_cover_all_its_weights() -> None:
    for path in sorted(MODELS.glob("*.nam")):
        doc = namfile.load(path)
        try:
            tables = weight_tables(doc)
        except namfile.NamFileError as exc:
            if "unknown architecture" in str(exc):
                continue  # that engine has not landed in this checkout
            raise
        top = [t for t in tables if "/" not in t.name]
        assert sum(t.count for t in top) == doc.weights.size, path.name
        assert all(json.dumps(t.to_json()) for t in tables)


class _SelfDescribing:
    """A stand-in config with any layout (a real config's layout always adds up to its weights)."""

    def __init__(self, layout: list[tuple[str, tuple[int, ...]]]) -> None:
        self.layout = layout

    def weight_layout(self) -> list[tuple[str, tuple[int, ...]]]:
        return self.layout


def test_the_config_states_the_layout_and_a_wrong_one_is_not_trusted() -> None:
    doc = namfile.load(MODELS / "identity_linear_10.nam")
    blocks = weight_layout(doc, _SelfDescribing([("first", (2,)), ("rest", (2, 4))]))
    assert [(b.name, b.shape, b.offset) for b in blocks] == [("first", (2,), 0), ("rest", (2, 4), 2)]
    [whole] = weight_layout(doc, _SelfDescribing([("too_short", (3,))]))
    assert (whole.name, whole.shape) == ("weights", (10,))


@pytest.mark.parametrize("batchnorm", [False, True])
def test_convnet_layout(batchnorm: bool) -> None:
    config = {"channels": 2, "dilations": [1, 4], "batchnorm": batchnorm, "activation": "Tanh"}
    n = 2 * 2 * 1 + 2 * 2 * 2 + (2 * (4 * 2 + 1) if batchnorm else 2 * 2) + 3
    doc = namfile.NamDocument("0.5.4", "ConvNet", config, np.arange(n, dtype=np.float64))
    blocks = weight_layout(doc)
    assert [b.name for b in blocks][:2] == ["block0 (dilation 1).conv",
                                            "block0 (dilation 1).bn_running_mean" if batchnorm
                                            else "block0 (dilation 1).conv_bias"]
    assert blocks[0].shape == (2, 1, 2) and blocks[-1].name == "head.bias"
    assert sum(b.size for b in blocks) == n
