"""Torch models, presets, weight order and losses: what the trainer exports is what engines play."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch (the train extra) is not installed")

from conftest import AUDIO, MODELS, REFERENCE  # noqa: E402
from nam_web import models, namfile, wav  # noqa: E402
from nam_web.train import losses, nets, presets  # noqa: E402


def _load_into(model: nets.WaveNet, weights: np.ndarray) -> None:
    """Copy a .nam weight list into the torch model, in file order."""
    i = 0
    with torch.no_grad():
        for t in model.weight_tensors():
            t.copy_(torch.from_numpy(weights[i : i + t.numel()]).reshape(t.shape))
            i += t.numel()
    assert weights[i] == pytest.approx(model.head_scale) and i + 1 == weights.size


def _random_document(
    arch: str, scale: float, seed: int = 0
) -> tuple[nets.WaveNet | nets.LSTM, namfile.NamDocument]:
    p = presets.preset(arch)
    torch.manual_seed(seed)
    model = nets.build(p.architecture, p.config)
    with torch.no_grad():
        for param in model.parameters():
            param.mul_(scale)
    model.eval()
    doc = namfile.NamDocument(
        "0.5.4", p.architecture, p.config, model.export_weights().float().double().numpy(), 48_000.0, {}
    )
    return model, namfile.loads(doc.dumps())


@pytest.mark.parametrize("name", ["standard", "lite", "feather", "nano"])
def test_wavenet_presets_have_nam_sizes(name):
    p = presets.preset(name)
    model = nets.build(p.architecture, p.config)
    assert model.receptive_field == 4093
    doc = namfile.NamDocument("0.5.4", p.architecture, p.config, model.export_weights().numpy(), 48_000.0)
    config = models.parse_config(doc)  # nam_web's loader agrees on the weight count
    assert config.receptive_field == 4093


def test_standard_preset_matches_the_a1_standard_file():
    a1 = namfile.load(MODELS / "wavenet_a1_standard.nam")
    ours = presets.preset("standard").config
    for theirs, mine in zip(a1.config["layers"], ours["layers"], strict=True):
        assert {k: mine[k] for k in theirs} == theirs
    assert nets.build("WaveNet", ours).export_weights().numel() == a1.weights.size


def test_torch_wavenet_matches_nam_core_render():
    """Weight order and maths: load a NAM file into our torch WaveNet, compare with NAM Core's render."""
    doc = namfile.load(MODELS / "wavenet.nam")
    model = nets.build("WaveNet", doc.config)
    _load_into(model, doc.weights)
    x = wav.read(AUDIO / "input.wav").mono()
    expected = wav.read(REFERENCE / "wavenet__input.wav").mono()
    with torch.no_grad():
        y = nets.predict(model, torch.from_numpy(np.array(x))[None])[0].numpy()
    np.testing.assert_allclose(y, expected, atol=1e-5)
    assert np.allclose(model.export_weights().numpy(), doc.weights.astype(np.float32), atol=0)


@pytest.mark.parametrize(
    ("arch", "scale", "gain"),
    [("standard", 2.0, 1.0), ("nano", 3.0, 1.0), ("lstm-nano", 1.0, 1.0), ("lstm-lite", 1.5, 10.0)],
)
def test_numpy_engine_matches_torch(arch, scale, gain):
    """The exported file through nam_web's NumPy engine equals the torch model, to 1e-5.

    Random weights are scaled up (and the input level raised) so the models do something, but
    not so far that float32 rounding alone makes torch disagree with itself in float64.
    """
    model, doc = _random_document(arch, scale)
    x = gain * wav.read(AUDIO / "di10.wav").mono()[: 2 * 48_000]
    with torch.no_grad():
        expected = nets.predict(model, torch.from_numpy(np.array(x))[None])[0].numpy()
    assert np.std(expected) > 1e-3  # a model that does something
    engine = models.build(doc)
    engine.prewarm()  # silence through the model, as zero-padding does in torch
    got = np.concatenate([engine.process(x[i : i + 4096]) for i in range(0, x.size, 4096)])
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_lstm_exports_settled_state_and_nam_layout():
    model, doc = _random_document("lstm-lite", 1.0)
    h, c = model.settled_state()
    hidden = 8
    per_layer = [
        4 * hidden * (1 + hidden) + 4 * hidden + 2 * hidden,
        4 * hidden * (2 * hidden) + 4 * hidden + 2 * hidden,
    ]
    assert doc.weights.size == sum(per_layer) + hidden + 1
    first_state = doc.weights[4 * hidden * (1 + hidden) + 4 * hidden : per_layer[0]]
    np.testing.assert_allclose(first_state, np.concatenate([h[0, 0].numpy(), c[0, 0].numpy()]), atol=1e-7)


def test_losses():
    rng = torch.Generator().manual_seed(0)
    target = torch.randn(2, 8192, generator=rng)
    assert float(losses.esr(target, target)) == 0.0
    assert float(losses.esr(torch.zeros_like(target), target)) == pytest.approx(1.0)
    assert float(losses.mse(2 * target, target)) == pytest.approx(float(torch.mean(target**2)))
    assert losses.first_order_pre_emphasis(target).shape == (2, 8191)
    assert float(losses.mrstft(target, target)) == pytest.approx(0.0, abs=1e-6)
    assert float(losses.mrstft(0.5 * target, target)) > 0.1
    short = target[:, :600]  # only the 512-point resolution fits
    assert float(losses.mrstft(0.5 * short, short)) > 0.1


def test_a_weighting_pre_emphasis_shapes_the_spectrum():
    db = 20 * torch.log10(losses.a_weighting_gain(torch.tensor([100.0, 1000.0, 4000.0, 50.0])))
    assert db[:3].tolist() == pytest.approx([-19.1, 0.0, 1.0], abs=0.1)  # the standard's table
    assert float(db[3]) < -25
    t = torch.arange(48_000) / 48_000.0
    low, mid = torch.sin(2 * torch.pi * 100 * t)[None], torch.sin(2 * torch.pi * 1000 * t)[None]
    ratio = float(losses.a_weighting(low).std() / losses.a_weighting(mid).std())
    assert 20 * np.log10(ratio) == pytest.approx(-19.1, abs=0.2)


@pytest.mark.parametrize("emphasis", ["none", "first-order", "a-weighting"])
def test_training_loss_combines_terms(emphasis):
    target = torch.randn(2, 4096, generator=torch.Generator().manual_seed(1))
    pred = target + 0.1 * torch.randn(2, 4096, generator=torch.Generator().manual_seed(2))
    plain = losses.TrainingLoss(losses.LossConfig(main="esr", mrstft_weight=0.0, pre_emphasis=emphasis))
    both = losses.TrainingLoss(
        losses.LossConfig(main="esr", mrstft_weight=1e-2, pre_emphasis_weight=1.0, pre_emphasis=emphasis)
    )
    assert float(plain(pred, target)) == pytest.approx(float(losses.esr(pred, target)))
    assert float(both(pred, target)) > float(plain(pred, target))
    with pytest.raises(ValueError, match="pre-emphasis"):
        losses.LossConfig(pre_emphasis="bogus")
