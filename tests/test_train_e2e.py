"""Real (tiny) torch training: a Nano WaveNet learns a known nonlinearity from our quick capture.

Also: the export is a valid 0.5.x .nam whose NumPy-engine output matches torch on the validation
segment to 1e-5, cancel + resume from the checkpoint, early stopping, and the CLI.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch (the train extra) is not installed")

from nam_web import models, namfile, wav  # noqa: E402
from nam_web.cli import main  # noqa: E402
from nam_web.train import checks, nets, signal  # noqa: E402
from nam_web.train.loop import Cancelled, TrainConfig, Trainer  # noqa: E402
from nam_web.train.metadata import UserMetadata  # noqa: E402
from nam_web.train.pipeline import train_capture  # noqa: E402
from nam_web.wav import Audio  # noqa: E402
from train_support import quick_pair, write_quick_pair  # noqa: E402

pytestmark = pytest.mark.train

ESR_BOUND = 0.3
"""Validation ESR a Nano must reach in :data:`TINY` on the synthetic amp (it starts near 1.0)."""
TINY = TrainConfig(arch="nano", epochs=4, batch_size=8, segment=4096, learning_rate=0.01)


@pytest.fixture(scope="module")
def analysis() -> checks.Analysis:
    x, y = quick_pair()
    return checks.analyse(Audio(x[:, None], 48_000), Audio(y[:, None], 48_000))


@pytest.fixture(scope="module")
def trained(analysis, tmp_path_factory):
    torch.set_num_threads(1)  # two shared cores: one thread avoids oversubscription
    job = tmp_path_factory.mktemp("job")
    epochs = []
    user = UserMetadata(
        name="Test Rig",
        modeled_by="pytest",
        gear_type="amp",
        gear_make="Synthetic",
        gear_model="tanh-6",
        tone_type="crunch",
        input_level_dbu=12.0,
        output_level_dbu=4.5,
    )
    outcome = train_capture(analysis, TINY, job, user=user, on_epoch=epochs.append)
    return outcome, epochs, job


def test_training_reaches_the_esr_bound(trained):
    outcome, epochs, _ = trained
    assert [e.epoch for e in epochs] == [1, 2, 3, 4]
    assert epochs[0].val_esr > 0.5  # it started untrained
    assert outcome.report["validation_esr"] < ESR_BOUND
    assert outcome.report["validation_esr"] == min(e.val_esr for e in epochs)  # the best epoch is exported
    assert outcome.report["quality"] in ("great", "not bad", "might sound ok", "probably won't sound great")


def test_export_is_a_complete_nam_0_5_file(trained):
    outcome, _, _ = trained
    raw = json.loads(outcome.model_path.read_text())
    assert (
        raw["version"].startswith("0.5.") and raw["architecture"] == "WaveNet" and raw["sample_rate"] == 48000
    )
    meta = raw["metadata"]
    assert set(meta["date"]) == {"year", "month", "day", "hour", "minute", "second"}
    assert -60 < meta["loudness"] < 10 and 0.0 <= meta["gain"] <= 1.0
    assert meta["name"] == "Test Rig" and meta["gear_type"] == "amp" and meta["input_level_dbu"] == 12.0
    training = meta["training"]
    assert training["validation_esr"] == pytest.approx(outcome.report["validation_esr"])
    assert training["data"]["latency"]["calibration"]["recommended"] == 36
    assert training["data"]["checks"] == {**training["data"]["checks"], "version": 3, "passed": True}
    doc = namfile.load(outcome.model_path)
    models.parse_config(doc)  # the weight count fits the config (NAM Core's rule)


def test_numpy_engine_matches_torch_on_the_validation_segment(trained, analysis):
    outcome, _, _ = trained
    doc = namfile.load(outcome.model_path)
    model = nets.build(doc.architecture, doc.config)
    i = 0
    with torch.no_grad():
        for t in model.weight_tensors():
            t.copy_(torch.from_numpy(doc.weights[i : i + t.numel()]).reshape(t.shape))
            i += t.numel()
    v0, v1 = analysis.layout.validation
    x = analysis.x[v0 - model.receptive_field + 1 : v1]
    with torch.no_grad():
        expected = model(torch.from_numpy(np.array(x))[None])[0].numpy()
    engine = models.build(doc)
    engine.prewarm()
    got = engine.process(x)[model.receptive_field - 1 :]
    assert expected.size == v1 - v0 and np.std(expected) > 0.01
    np.testing.assert_allclose(got, expected, atol=1e-5)


OFFICIAL_PYTHON = Path(__file__).resolve().parents[1] / ".venv-official" / "bin" / "python"
"""The official neural-amp-modeler package lives in its own venv (``make install-official``), never in
the project's dependencies."""
_OFFICIAL_RUN = """
import json, sys
import numpy as np, torch
from nam.models import init_from_nam
model = init_from_nam(json.loads(open(sys.argv[1]).read()))
model.eval()
with torch.no_grad():
    y = model(torch.from_numpy(np.load(sys.argv[2])), pad_start=False)
np.save(sys.argv[3], y.numpy())
"""


@pytest.mark.skipif(not OFFICIAL_PYTHON.exists(),
                    reason="the official neural-amp-modeler package is not installed (make install-official)")
def test_official_package_loads_the_export_and_plays_it_like_our_engine(trained, analysis, tmp_path):
    outcome, _, _ = trained
    doc = namfile.load(outcome.model_path)
    engine = models.build(doc)
    rf = engine.receptive_field
    v0, v1 = analysis.layout.validation
    x = np.ascontiguousarray(analysis.x[v0 - rf + 1 : v1], dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    paths = (outcome.model_path, tmp_path / "x.npy", tmp_path / "y.npy")
    subprocess.run([str(OFFICIAL_PYTHON), "-c", _OFFICIAL_RUN, *map(str, paths)], check=True, timeout=300)
    official = np.load(tmp_path / "y.npy")
    engine.prewarm()
    ours = engine.process(x)[rf - 1 :]
    assert official.shape == ours.shape == (v1 - v0,) and np.std(official) > 0.01
    np.testing.assert_allclose(ours, official, atol=1e-5)


def test_report_residual_and_plot(trained, analysis):
    outcome, _, job = trained
    residual = wav.read(outcome.residual_path)
    v0, v1 = analysis.layout.validation
    assert residual.frames == v1 - v0
    esr = float(
        np.sum(residual.mono().astype(np.float64) ** 2) / np.sum(analysis.y[v0:v1].astype(np.float64) ** 2)
    )
    assert esr == pytest.approx(outcome.report["validation_esr"], rel=1e-3)
    plot = outcome.report["plot"]
    assert len(plot["target"]) == len(plot["prediction"]) > 100
    assert json.loads((job / "report.json").read_text())["best_epoch"] == outcome.report["best_epoch"]


def test_cancel_then_resume_from_checkpoint(analysis, tmp_path):
    config = TrainConfig(arch="nano", epochs=2, batch_size=2, segment=2048, steps_per_epoch=3)
    calls = []
    steps = Trainer(analysis, config).steps_per_epoch

    def stop_in_second_epoch() -> bool:
        calls.append(1)
        return len(calls) > steps + 1

    with pytest.raises(Cancelled, match="resumes from epoch 1"):
        Trainer(analysis, config, tmp_path / "checkpoint.pt", should_stop=stop_in_second_epoch).run()
    resumed = Trainer(analysis, config, tmp_path / "checkpoint.pt")
    assert resumed.epoch == 1 and len(resumed.history) == 1
    result = resumed.run()
    assert [h.epoch for h in result.history] == [1, 2]


def test_early_stopping(analysis):
    config = TrainConfig(
        arch="nano", epochs=5, batch_size=2, segment=2048, learning_rate=0.0, early_stopping=1
    )
    result = Trainer(analysis, config).run()
    assert len(result.history) == 2 and result.stopped.startswith("early stop")


def test_cli_capture_signal_and_train(tmp_path, capsys):
    assert main(["capture-signal", "--variant", "quick", "-o", str(tmp_path / "signal.wav")]) == 0
    written = wav.read(tmp_path / "signal.wav")
    assert written.bits == 24 and written.sample_rate == 48_000
    assert np.array_equal(written.mono(), signal.capture_signal(signal.QUICK))
    input_path, output_path = write_quick_pair(tmp_path)
    code = main(
        [
            "train",
            str(input_path),
            str(output_path),
            "--arch",
            "nano",
            "--epochs",
            "1",
            "--batch-size",
            "2",
            "--segment",
            "2048",
            "--steps-per-epoch",
            "2",
            "-o",
            str(tmp_path / "amp.nam"),
            "--name",
            "CLI amp",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Latency from the blips: 36 samples" in out and "epoch 1/1" in out and "validation ESR" in out
    assert namfile.load(tmp_path / "amp.nam").metadata["name"] == "CLI amp"
    assert (tmp_path / "amp.train" / "residual.wav").exists()


def test_cli_train_refuses_a_failed_check(tmp_path, capsys):
    input_path, output_path = write_quick_pair(tmp_path)
    wav.write(output_path, np.zeros(48_000, np.float32), 48_000)
    assert (
        main(["train", str(input_path), str(output_path), "--arch", "nano", "-o", str(tmp_path / "m.nam")])
        == 2
    )
    assert "shorter than the input" in capsys.readouterr().out
    assert not (tmp_path / "m.nam").exists()


def test_lstm_trains_and_exports(analysis, tmp_path):
    config = TrainConfig(arch="lstm-nano", epochs=1, batch_size=2, segment=1024, steps_per_epoch=2)
    outcome = train_capture(analysis, config, tmp_path)
    doc = namfile.load(outcome.model_path)
    assert doc.architecture == "LSTM" and doc.config == {"input_size": 1, "hidden_size": 12, "num_layers": 1}
    models.parse_config(doc)
    assert np.isfinite(outcome.report["validation_esr"])
