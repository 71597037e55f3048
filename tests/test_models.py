"""Engines against independent references: LSTM, ConvNet, SlimmableContainer, Linear.

The references here are plain loops over the maths (and PyTorch, the trainer's framework, when
it is installed), with weights laid out the way the trainer exports them. Every engine must give
the same output whatever block size it is fed.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import MODELS
from nam_web import models, namfile
from nam_web.errors import NamFileError, NamWebError
from nam_web.models.activations import fast_tanh
from nam_web.models.base import PREWARM_BLOCK, EngineOptions
from nam_web.models.describe import nested_documents

RNG = np.random.default_rng(20240611)


def document(architecture: str, config: dict, weights: np.ndarray, sample_rate: float | None = 48000.0):
    weights = np.asarray(weights, dtype=np.float64)
    return namfile.NamDocument("0.5.4", architecture, config, weights, sample_rate)


def run_blocks(engine: models.Model, x: np.ndarray, sizes: list[int]) -> np.ndarray:
    """Feed ``x`` in blocks cycling through ``sizes``."""
    out, i, k = [], 0, 0
    while i < x.size:
        n = sizes[k % len(sizes)]
        out.append(engine.process(x[i:i + n]))
        i, k = i + n, k + 1
    return np.concatenate(out)


def signal(n: int = 1500) -> np.ndarray:
    t = np.arange(n) / 48000.0
    x = 0.6 * np.sin(2 * np.pi * 220 * t) * np.exp(-3 * t) + 0.05 * RNG.standard_normal(n)
    return x.astype(np.float32)


# ---------------------------------------------------------------- LSTM


def lstm_weights(hidden: int, layers: int) -> tuple[np.ndarray, list[tuple]]:
    """Random weights in NAM's order, and the same per layer as (W, b, h0, c0) plus the head."""
    flat, parts = [], []
    for k in range(layers):
        inputs = 1 if k == 0 else hidden
        w = RNG.normal(0, 0.4, (4 * hidden, inputs + hidden))
        b, h0, c0 = RNG.normal(0, 0.2, 4 * hidden), RNG.normal(0, 0.3, hidden), RNG.normal(0, 0.3, hidden)
        parts.append((w, b, h0, c0))
        flat += [w.ravel(), b, h0, c0]
    head_w, head_b = RNG.normal(0, 0.5, hidden), RNG.normal(0, 0.1, 1)
    parts.append((head_w, head_b))
    return np.concatenate([*flat, head_w, head_b]), parts


def lstm_reference(x: np.ndarray, parts: list[tuple], prewarm: int) -> np.ndarray:
    """Textbook LSTM (PyTorch gate order i, f, g, o) in float64, one sample at a time."""
    *cells, (head_w, head_b) = parts
    state = [(h0.copy(), c0.copy()) for (_, _, h0, c0) in cells]
    sigmoid = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    out = []
    for t, sample in enumerate(np.concatenate((np.zeros(prewarm), x))):
        inp = np.array([sample])
        for k, (w, b, _, _) in enumerate(cells):
            h, c = state[k]
            i, f, g, o = np.split(w @ np.concatenate((inp, h)) + b, 4)
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
            state[k] = (h, c)
            inp = h
        if t >= prewarm:
            out.append(head_w @ inp + head_b[0])
    return np.array(out)


@pytest.mark.parametrize(("hidden", "layers"), [(3, 1), (8, 2), (5, 3)])
def test_lstm_matches_textbook_loop(hidden: int, layers: int) -> None:
    flat, parts = lstm_weights(hidden, layers)
    config = {"input_size": 1, "hidden_size": hidden, "num_layers": layers}
    engine = models.build(document("LSTM", config, flat, 1000.0))  # 1 kHz: 500-sample prewarm
    engine.prewarm()
    assert engine.prewarm_samples == 500
    x = signal(400)
    prewarm = -(-engine.prewarm_samples // PREWARM_BLOCK) * PREWARM_BLOCK  # whole 64-sample blocks
    np.testing.assert_allclose(engine.process(x), lstm_reference(x, parts, prewarm), atol=2e-5)


def test_lstm_fast_tanh_uses_nam_fast_sigmoid_and_tanh() -> None:
    flat, parts = lstm_weights(4, 1)
    (w, b, h, c), (head_w, head_b) = parts
    fast = lambda v: fast_tanh(np.asarray(v, dtype=np.float32)).astype(np.float64)  # noqa: E731
    x = signal(200)
    expected = []
    for sample in x:  # NAM Core with fast tanh: σ(v) = ½·(fast_tanh(v/2) + 1)
        i, f, g, o = np.split(w @ np.concatenate(([sample], h)) + b, 4)
        sig = lambda v: 0.5 * (fast(0.5 * v) + 1)  # noqa: E731
        c = sig(f) * c + sig(i) * fast(g)
        h = sig(o) * fast(c)
        expected.append(head_w @ h + head_b[0])
    config = {"input_size": 1, "hidden_size": 4, "num_layers": 1}
    engine = models.build(document("LSTM", config, flat), EngineOptions(fast_tanh=True))
    np.testing.assert_allclose(engine.process(x), expected, atol=2e-5)
    exact = models.build(document("LSTM", config, flat)).process(x)
    assert np.max(np.abs(exact - np.array(expected))) > 1e-5  # the option really changes the maths


def test_lstm_matches_torch() -> None:
    torch = pytest.importorskip("torch", reason="torch not installed (the train extra)")
    hidden, layers = 6, 2
    flat, parts = lstm_weights(hidden, layers)
    net = torch.nn.LSTM(1, hidden, layers, batch_first=True)
    with torch.no_grad():
        for k, (w, b, _, _) in enumerate(parts[:-1]):
            inputs = 1 if k == 0 else hidden
            getattr(net, f"weight_ih_l{k}").copy_(torch.tensor(w[:, :inputs]))
            getattr(net, f"weight_hh_l{k}").copy_(torch.tensor(w[:, inputs:]))
            getattr(net, f"bias_ih_l{k}").copy_(torch.tensor(b))
            getattr(net, f"bias_hh_l{k}").zero_()
        h0 = torch.tensor(np.stack([p[2] for p in parts[:-1]]), dtype=torch.float32)[:, None]
        c0 = torch.tensor(np.stack([p[3] for p in parts[:-1]]), dtype=torch.float32)[:, None]
        x = signal(300)
        features, _ = net(torch.tensor(x)[None, :, None], (h0, c0))
        expected = features[0].numpy() @ parts[-1][0] + parts[-1][1][0]
    config = {"input_size": 1, "hidden_size": hidden, "num_layers": layers}
    engine = models.build(document("LSTM", config, flat))
    np.testing.assert_allclose(engine.process(x), expected, atol=2e-5)  # no prewarm: straight from h0, c0


def test_lstm_prewarm_is_half_a_second_and_reset_restores_initial_state() -> None:
    flat, _ = lstm_weights(4, 1)
    config = {"input_size": 1, "hidden_size": 4, "num_layers": 1}
    assert models.build(document("LSTM", config, flat, 48000.0)).prewarm_samples == 24000
    assert models.build(document("LSTM", config, flat, 44100.0)).prewarm_samples == 22050
    assert models.build(document("LSTM", config, flat, None)).prewarm_samples == 1  # NAM Core: rate unknown
    engine = models.build(document("LSTM", config, flat))
    x = signal(200)
    first = engine.process(x)
    engine.process(signal(300))
    engine.reset()
    np.testing.assert_array_equal(engine.process(x), first)


def test_lstm_weight_count_and_bad_config() -> None:
    flat, _ = lstm_weights(3, 1)
    assert flat.size == 70  # lstm.nam: 4·3·(1+3) + 4·3 + 3 + 3, head 3 + 1
    with pytest.raises(NamFileError, match="expected 70 weights from config, file has 69"):
        models.build(document("LSTM", {"input_size": 1, "hidden_size": 3, "num_layers": 1}, flat[:-1]))
    with pytest.raises(NamFileError, match=r"\$\.config\.hidden_size: hidden_size 100000 is outside"):
        models.build(document("LSTM", {"input_size": 1, "hidden_size": 100000, "num_layers": 1}, flat))
    with pytest.raises(NamFileError, match=r"\$\.config\.input_size"):
        models.build(document("LSTM", {"input_size": 2, "hidden_size": 3, "num_layers": 1}, flat))


# ---------------------------------------------------------------- ConvNet


def convnet_weights(channels: int, dilations: list[int], batchnorm: bool) -> tuple[np.ndarray, list[dict]]:
    """Random weights in the trainer's export order, and per block the same as named arrays."""
    flat, blocks = [], []
    for k in range(len(dilations)):
        cin = 1 if k == 0 else channels
        block = {"w": RNG.normal(0, 0.6, (channels, cin, 2))}
        flat.append(block["w"].ravel())
        if batchnorm:
            block.update(mean=RNG.normal(0, 0.2, channels), var=RNG.uniform(0.5, 2.0, channels),
                         gamma=RNG.normal(1, 0.2, channels), beta=RNG.normal(0, 0.2, channels), eps=1e-5)
            flat += [block["mean"], block["var"], block["gamma"], block["beta"], [block["eps"]]]
        else:
            block["b"] = RNG.normal(0, 0.2, channels)
            flat.append(block["b"])
        blocks.append(block)
    head_w, head_b = RNG.normal(0, 0.5, channels), RNG.normal(0, 0.1, 1)
    blocks.append({"w": head_w, "b": head_b})
    return np.concatenate([*flat, head_w, head_b]), blocks


ACTIVATIONS = {"Tanh": np.tanh, "ReLU": lambda v: np.maximum(v, 0), "Hardtanh": lambda v: np.clip(v, -1, 1),
               "Sigmoid": lambda v: 1 / (1 + np.exp(-v))}


def convnet_reference(x: np.ndarray, blocks: list[dict], dilations: list[int], activation: str) -> np.ndarray:
    """Explicit loops: y[o, t] = Σ_i w[o, i, 0]·u[i, t−d] + w[o, i, 1]·u[i, t] (+ bias / batch norm)."""
    u = x[None, :].astype(np.float64)
    for block, d in zip(blocks[:-1], dilations, strict=False):
        cout, cin, _ = block["w"].shape
        y = np.zeros((cout, u.shape[1]))
        for t in range(u.shape[1]):
            for o in range(cout):
                acc = 0.0
                for i in range(cin):
                    acc += block["w"][o, i, 1] * u[i, t]
                    acc += block["w"][o, i, 0] * u[i, t - d] if t >= d else 0.0
                y[o, t] = acc
        if "b" in block:
            y += block["b"][:, None]
        else:
            y = (y - block["mean"][:, None]) / np.sqrt(block["var"][:, None] + block["eps"])
            y = y * block["gamma"][:, None] + block["beta"][:, None]
        u = ACTIVATIONS[activation](y)
    return blocks[-1]["w"] @ u + blocks[-1]["b"][0]


@pytest.mark.parametrize(("batchnorm", "activation"), [(False, "Tanh"), (True, "ReLU"), (True, "Hardtanh"),
                                                       (False, "Sigmoid")])
def test_convnet_matches_explicit_loops(batchnorm: bool, activation: str) -> None:
    dilations = [1, 2, 4, 8]
    flat, blocks = convnet_weights(3, dilations, batchnorm)
    config = {"channels": 3, "dilations": dilations, "batchnorm": batchnorm, "activation": activation}
    engine = models.build(document("ConvNet", config, flat))
    assert engine.receptive_field == engine.prewarm_samples == 16
    x = signal(300)
    expected = convnet_reference(x, blocks, dilations, activation)
    np.testing.assert_allclose(run_blocks(engine, x, [5, 64, 17]), expected, atol=2e-5)


def test_convnet_matches_torch_trainer_layout() -> None:
    torch = pytest.importorskip("torch", reason="torch not installed (the train extra)")
    channels, dilations = 4, [1, 3, 9]
    flat, blocks = convnet_weights(channels, dilations, True)
    layers = []
    for k, (block, d) in enumerate(zip(blocks[:-1], dilations, strict=False)):
        conv = torch.nn.Conv1d(1 if k == 0 else channels, channels, 2, dilation=d, bias=False)
        bn = torch.nn.BatchNorm1d(channels, eps=block["eps"])
        with torch.no_grad():
            conv.weight.copy_(torch.tensor(block["w"]))
            bn.running_mean.copy_(torch.tensor(block["mean"]))
            bn.running_var.copy_(torch.tensor(block["var"]))
            bn.weight.copy_(torch.tensor(block["gamma"]))
            bn.bias.copy_(torch.tensor(block["beta"]))
        layers += [conv, bn, torch.nn.Tanh()]
    head = torch.nn.Conv1d(channels, 1, 1)
    with torch.no_grad():
        head.weight.copy_(torch.tensor(blocks[-1]["w"]).reshape(1, channels, 1))
        head.bias.copy_(torch.tensor(blocks[-1]["b"]))
    net = torch.nn.Sequential(*layers, head).eval()
    x = signal(400)
    rf = 1 + sum(dilations)
    with torch.no_grad():  # causal: left-pad with the receptive field's worth of zeros
        padded = torch.tensor(np.concatenate((np.zeros(rf - 1, np.float32), x)))
        expected = net(padded[None, None])[0, 0].numpy()
    config = {"channels": channels, "dilations": dilations, "batchnorm": True, "activation": "Tanh"}
    engine = models.build(document("ConvNet", config, flat))
    engine.prewarm()  # inner layers' histories now hold their response to silence, as torch's padding gives
    np.testing.assert_allclose(engine.process(x), expected, atol=2e-5)


def test_convnet_bad_config() -> None:
    flat, _ = convnet_weights(2, [1, 2], False)
    good = {"channels": 2, "dilations": [1, 2], "batchnorm": False, "activation": "Tanh"}
    models.build(document("ConvNet", good, flat))
    for change, where in [({"activation": "Swoosh"}, r"\$\.config\.activation: unknown activation 'Swoosh'"),
                          ({"dilations": [1, 0]}, r"\$\.config\.dilations\[1\]"),
                          ({"groups": 2}, r"\$\.config\.groups"),
                          ({"channels": 10**9}, r"\$\.config\.channels")]:
        with pytest.raises(NamFileError, match=where):
            models.build(document("ConvNet", {**good, **change}, flat))
    expected = f"expected {flat.size} weights from config, file has {flat.size + 1}"
    with pytest.raises(NamFileError, match=expected):
        models.build(document("ConvNet", good, np.append(flat, 0.0)))


# ---------------------------------------------------------------- Linear


def test_linear_is_an_fir_filter() -> None:
    h = RNG.normal(0, 0.5, 12)
    engine = models.build(document("Linear", {"receptive_field": 12, "bias": True}, np.append(h, 0.25)))
    x = signal(500)
    expected = np.convolve(x.astype(np.float64), h)[: x.size] + 0.25
    np.testing.assert_allclose(run_blocks(engine, x, [1, 7, 64]), expected, atol=1e-5)


# ---------------------------------------------------------------- SlimmableContainer


def test_container_picks_submodel_like_nam_core() -> None:
    doc = namfile.load(MODELS / "slimmable_container.nam")
    engine = models.build(doc)
    assert engine.slim_breakpoints == (0.33, 0.66)
    assert engine.active_index == 2  # full size by default
    expected = {0.0: 0, 0.32: 0, 0.33: 1, 0.5: 1, 0.66: 2, 1.0: 2}
    for slim, index in expected.items():
        assert models.build(doc, EngineOptions(slim=slim)).active_index == index
    assert engine.sample_rate == 48000.0


def test_container_set_slim_switches_and_prewarms() -> None:
    doc = namfile.load(MODELS / "slimmable_container.nam")
    x = signal(640)
    small = models.build(doc, EngineOptions(slim=0.0))
    small.prewarm()
    expected_small = small.process(x)
    engine = models.load(MODELS / "slimmable_container.nam")
    engine.process(signal(300))
    engine.set_slim(0.1)  # LSTM submodel: freshly reset and prewarmed
    assert engine.active_index == 0
    assert engine.prewarm_samples == 24000
    np.testing.assert_array_equal(engine.process(x), expected_small)
    engine.set_slim(0.2)  # same submodel: nothing happens, state carries on
    assert engine.active_index == 0
    with pytest.raises(NamWebError, match="slim must be in"):
        engine.set_slim(1.5)


def test_non_slimmable_models_refuse_set_slim() -> None:
    engine = models.load(MODELS / "lstm.nam")
    assert engine.slim_breakpoints == ()
    with pytest.raises(NamWebError, match="not slimmable"):
        engine.set_slim(0.5)


@pytest.mark.parametrize(("spoil", "message"), [
    (lambda c: c["submodels"][1]["model"]["config"]["layers"][0].update(activation="Swoosh"),
     r"^\$\.config\.submodels\[1\]\.model\.config\.layers\[0\]"),
    (lambda c: c["submodels"][0]["model"]["weights"].pop(),
     r"^\$\.config\.submodels\[0\]\.model\.weights: expected 70 "),
    (lambda c: c["submodels"][1].update(max_value=0.1), r"submodels\[1\]\.max_value: .*small to large"),
    (lambda c: c["submodels"][2].update(max_value=0.9), r"submodels\[2\]\.max_value: .*≥ 1\.0"),
    (lambda c: c["submodels"][1]["model"].update(sample_rate=44100),
     r"submodels\[1\]\.model\.sample_rate: submodel sample rate 44100"),
    (lambda c: c.update(submodels=[]), r"\$\.config\.submodels: .*at least one"),
], ids=["activation", "weight count", "max_value order", "last max_value", "sample rate", "no submodels"])
def test_container_errors_name_the_nested_path(spoil, message: str) -> None:
    raw = json.loads((MODELS / "slimmable_container.nam").read_text())
    spoil(raw["config"])
    with pytest.raises(NamFileError, match=message):
        models.build(namfile.loads(json.dumps(raw)))


# ---------------------------------------------------------------- every model


@pytest.mark.parametrize("path", sorted(MODELS.glob("*.nam")), ids=lambda p: p.stem)
def test_output_does_not_depend_on_block_size(path) -> None:
    x = signal(1200)
    outputs = []
    for sizes in ([64], [1, 3, 128, 31], [1200]):
        engine = models.load(path)
        assert engine.process(x[:0]).shape == (0,)
        outputs.append(run_blocks(engine, x, sizes))
    for other in outputs[1:]:
        assert other.dtype == np.float32
        np.testing.assert_allclose(other, outputs[0], atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("path", sorted(MODELS.glob("*.nam")), ids=lambda p: p.stem)
def test_weight_layout_names_each_tensor_once_and_covers_the_weights(path) -> None:
    """Engines unpack their weights by these names, so a repeated name would lose a tensor."""
    documents = [namfile.load(path)]
    for doc in documents:
        config = models.parse_config(doc)
        layout = config.weight_layout()
        assert len({name for name, _ in layout}) == len(layout)
        assert sum(math.prod(shape) for _, shape in layout) == doc.weights.size
        documents += [nested for _, _, nested in nested_documents(config)]
