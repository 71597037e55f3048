"""WaveNet engine: parity with NeuralAmpModelerCore's renders, streaming invariance, config checks."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from conftest import AUDIO, MODELS, REFERENCE
from nam_web import namfile, wav
from nam_web.errors import NamFileError, NamWebError
from nam_web.models import build, parse_config
from nam_web.models.base import PREWARM_BLOCK, EngineOptions
from nam_web.models.wavenet import WaveNet
from nam_web.models.wavenet_config import GatingMode, WaveNetConfig

TOLERANCE = 1e-4
"""Absolute, every sample: the reference build's -Ofast alone moves outputs by up to 2.6e-5."""


def _wavenet_renders(manifest: dict) -> list[dict]:
    return [
        o
        for o in manifest["outputs"]
        if o["included"] and "wavenet" in o["model"] and not o["model"].endswith("A2.nam")
    ]


def _render(model: WaveNet, x: np.ndarray, block: int = PREWARM_BLOCK) -> np.ndarray:
    return np.concatenate([model.process(x[i : i + block]) for i in range(0, x.size, block)])


def _input(name: str) -> np.ndarray:
    return wav.read(AUDIO / f"{name}.wav").samples[:, 0]


def _reference(name: str) -> np.ndarray:
    return wav.read(REFERENCE / name).samples[:, 0]


def _load(name: str, **options: object) -> WaveNet:
    model = build(namfile.load(MODELS / name), EngineOptions(**options))
    model.prewarm()
    return model


def test_every_wavenet_reference_render_matches(manifest: dict) -> None:
    renders = _wavenet_renders(manifest)
    assert len(renders) >= 12
    for out in renders:
        model = build(namfile.load(REFERENCE.parent / out["model"]), EngineOptions(slim=out["slim"]))
        model.prewarm()
        if out["prewarm_samples"] is not None:
            assert model.prewarm_samples == out["prewarm_samples"], out["output_name"]
        x = wav.read(REFERENCE.parent / out["input"]).samples[:, 0]
        error = np.max(np.abs(_render(model, x) - _reference(out["output_name"])))
        assert error < TOLERANCE, f"{out['output_name']}: max abs error {error:.3g}"


@pytest.mark.parametrize("name", ["identity_wavenet_minimal.nam", "identity_wavenet_standard.nam"])
def test_identity_wavenets_pass_di10_through(name: str) -> None:
    """Their di10 renders are omitted from the fixtures: NAM Core's output equals the input within 6e-8."""
    x = _input("di10")[:96000]
    np.testing.assert_allclose(_render(_load(name), x), x, rtol=0, atol=1e-7)


@pytest.mark.parametrize(("submodel", "render"), [(1, "A2__input.wav"), (0, "A2__input__slim0.25.wav")])
def test_a2_submodels_match(submodel: int, render: str) -> None:
    """A2.nam is a SlimmableContainer of WaveNets (head kernel 16, per-layer kernel sizes, LeakyReLU)."""
    container = json.loads((MODELS / "A2.nam").read_text())
    doc = namfile.NamDocument.from_json(container["config"]["submodels"][submodel]["model"])
    model = build(doc)
    model.prewarm()
    assert model.prewarm_samples == 6347
    error = np.max(np.abs(_render(model, _input("input")) - _reference(render)))
    assert error < TOLERANCE


@pytest.mark.parametrize(
    "name",
    ["wavenet_a1_standard.nam", "wavenet_a2_max.nam", "wavenet_condition_dsp.nam", "slimmable_wavenet.nam"],
)
def test_output_does_not_depend_on_block_sizes(name: str) -> None:
    x = _input("di10")[:30000]
    whole = _load(name).process(x)
    model = _load(name)
    rng = np.random.default_rng(1)
    pieces, pos = [], 0
    while pos < x.size:
        n = int(rng.integers(1, 4097)) if rng.random() < 0.5 else int(rng.integers(1, 65))
        pieces.append(model.process(x[pos : pos + n]))
        pos += n
    assert pieces[0].dtype == np.float32
    np.testing.assert_allclose(np.concatenate(pieces), whole, rtol=0, atol=1e-6)


def test_empty_block_and_reset() -> None:
    model = _load("wavenet.nam")
    x = _input("input")[:2000]
    first = model.process(x)
    assert model.process(np.zeros(0, np.float32)).shape == (0,)
    model.prewarm()
    np.testing.assert_array_equal(model.process(x), first)


def test_config_properties(manifest: dict) -> None:
    config = parse_config(namfile.load(MODELS / "wavenet_a1_standard.nam"))
    assert isinstance(config, WaveNetConfig)
    assert config.num_weights() == 13802
    assert config.receptive_field == 4093
    assert 13000 < config.macs_per_sample() < 14500
    summary = config.summary()
    first = summary["layer_arrays"][0]
    assert first["channels"] == 16 and first["activation"] == "Tanh" and first["gating"] == "none"
    assert first["kernel_sizes"] == [3] * 10 and first["dilations"][-1] == 512

    a2max = parse_config(namfile.load(MODELS / "wavenet_a2_max.nam"))
    assert a2max.condition_config is not None
    cond = a2max.condition_config
    assert isinstance(cond, WaveNetConfig)
    assert cond.layer_arrays[1].gating_modes == (GatingMode.BLENDED, GatingMode.GATED, GatingMode.GATED)
    assert cond.summary()["layer_arrays"][1]["activation"] == ["PReLU", "PReLU", "Softsign"]


def test_slim_sizes_pick_channels() -> None:
    config = parse_config(namfile.load(MODELS / "slimmable_wavenet.nam"))
    assert isinstance(config, WaveNetConfig)
    assert [config.slim_channels(r)[0] for r in (0.0, 0.33, 0.34, 0.5, 0.67, 1.0)] == [1, 1, 2, 2, 3, 3]
    small = _load("slimmable_wavenet.nam", slim=0.0)
    assert small.config.layer_arrays[0].channels == 1
    assert small.config.num_weights() < config.num_weights()


def test_set_slim_changes_size_live() -> None:
    """The browser's size knob: set_slim plays what a model loaded at that size plays (settled)."""
    x = _input("di10")[48000:52096]
    model = _load("slimmable_wavenet.nam")
    assert model.slim_breakpoints == pytest.approx((1 / 3, 2 / 3))
    model.process(x[:1000])
    for size in (0.2, 0.5, 1.0):
        model.set_slim(size)
        assert model.config.layer_arrays[0].channels == [1, 2, 3][int(size * 3) if size < 1 else 2]
        fresh = _load("slimmable_wavenet.nam", slim=size)
        np.testing.assert_array_equal(_render(model, x), _render(fresh, x))
    model = _load("slimmable_wavenet.nam")
    model.process(x[:100])
    model.set_slim(0.9)  # same size: nothing changes, the state carries on
    whole = _load("slimmable_wavenet.nam").process(x[:200])
    np.testing.assert_array_equal(model.process(x[100:200]), whole[100:])
    with pytest.raises(NamWebError, match="slim"):
        model.set_slim(1.5)
    assert _load("wavenet_a1_standard.nam").slim_breakpoints == ()
    with pytest.raises(NamWebError, match="not slimmable"):
        _load("wavenet_a1_standard.nam").set_slim(0.5)


def test_fast_tanh_is_close_but_not_exact() -> None:
    x = _input("di10")[48000:56192]
    exact = _load("wavenet_a1_standard.nam").process(x)
    fast = _load("wavenet_a1_standard.nam", fast_tanh=True).process(x)
    assert not np.array_equal(exact, fast)
    assert np.max(np.abs(exact - fast)) < 0.05 * np.max(np.abs(exact))


def _doc(name: str) -> dict:
    return json.loads((MODELS / name).read_text())


def _build_json(doc: dict) -> WaveNet:
    return build(namfile.NamDocument.from_json(doc))


def test_legacy_gated_flag_equals_gating_mode() -> None:
    doc = _doc("wavenet.nam")
    for layer in doc["config"]["layers"]:
        layer["gated"] = True
    # gated layers have twice the conv/mixin rows: give the file random weights of the right count
    config = WaveNetConfig.from_json(doc["config"])
    doc["weights"] = np.random.default_rng(0).normal(0, 0.3, config.num_weights()).tolist()
    modern = copy.deepcopy(doc)
    for layer in modern["config"]["layers"]:
        del layer["gated"]
        layer["gating_mode"] = "gated"
        layer["secondary_activation"] = "Sigmoid"
    x = _input("input")[:4000]
    a, b = _build_json(doc), _build_json(modern)
    a.prewarm()
    b.prewarm()
    np.testing.assert_array_equal(a.process(x), b.process(x))


def test_post_stack_head_is_activation_then_conv() -> None:
    """A post-stack head of one 1-tap conv, ReLU first: y = w·relu(head_scale·h) + b."""
    doc = _doc("wavenet.nam")
    plain = _build_json(doc)
    doc["config"]["head"] = {"channels": 1, "out_channels": 1, "kernel_sizes": [1], "activation": "ReLU"}
    scale = doc["weights"][-1]
    doc["weights"] = [*doc["weights"][:-1], 0.5, 0.25, scale]  # conv weight, bias, then head_scale
    headed = _build_json(doc)
    x = _input("input")[:4000]
    plain.prewarm()
    headed.prewarm()
    expected = 0.5 * np.maximum(plain.process(x), 0) + 0.25
    np.testing.assert_allclose(headed.process(x), expected, atol=1e-7)


@pytest.mark.parametrize(
    ("edit", "path", "words"),
    [
        (
            lambda c: c["layers"][0].update(activation="Tanhh"),
            "$.config.layers[0].activation",
            "unknown activation",
        ),
        (lambda c: c["layers"][0].update(activation=["Tanh"]), "$.config.layers[0].activation", "entries"),
        (
            lambda c: c["layers"][0].update(dilations=[1, 10**9]),
            "$.config.layers[0].dilations[1]",
            "dilation",
        ),
        (lambda c: c["layers"][0].update(channels=10**7), "$.config.layers[0].channels", "outside"),
        (lambda c: c["layers"][0].update(kernel_sizes=[3, 3]), "$.config.layers[0]", "either"),
        (
            lambda c: c["layers"][0].update(gating_mode="sometimes"),
            "$.config.layers[0].gating_mode",
            "gating_mode",
        ),
        (lambda c: c["layers"][0].update(groups_input=2), "$.config.layers[0].groups_input", "divisible"),
        (lambda c: c["layers"][1].update(input_size=5), "$.config.layers[1].input_size", "previous"),
        (
            lambda c: c["layers"][0].update(condition_size=2),
            "$.config.layers[0].condition_size",
            "condition_size",
        ),
        (
            lambda c: c["layers"][0].update(slimmable={"method": "prune"}),
            "$.config.layers[0].slimmable.method",
            "slimmable",
        ),
        (
            lambda c: c["layers"][0].update(head1x1_post_film={"active": True}),
            "$.config.layers[0].head1x1_post_film",
            "head1x1",
        ),
        (lambda c: c["layers"][0].update(dilations=[65536] * 40), "$.config.layers[0].dilations", "absurd"),
        (lambda c: c.pop("head_scale"), "$.config", "head_scale"),
    (lambda c: c.update(head_scale=float("nan")), "$.config.head_scale", "finite"),
    ],
)
def test_bad_configs_name_the_json_path(edit, path: str, words: str) -> None:
    doc = _doc("wavenet.nam")
    edit(doc["config"])
    with pytest.raises(NamFileError) as info:
        _build_json(doc)
    assert info.value.path == path
    assert words in str(info.value)


def test_nested_condition_dsp_errors_carry_the_nested_path() -> None:
    doc = _doc("wavenet_condition_dsp.nam")
    doc["config"]["condition_dsp"]["config"]["layers"][0]["activation"] = "Nope"
    with pytest.raises(NamFileError) as info:
        _build_json(doc)
    assert info.value.path == "$.config.condition_dsp.config.layers[0].activation"


def test_weight_count_mismatch_is_refused() -> None:
    doc = _doc("wavenet.nam")
    doc["weights"] = doc["weights"][:-1]
    with pytest.raises(NamFileError, match="expected 131 weights"):
        _build_json(doc)
