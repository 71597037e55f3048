"""The capture signal, input recognition and the pre-training checks (NumPy only, no torch)."""

from __future__ import annotations

import numpy as np
import pytest
from nam_web import wav
from nam_web.train import checks, inputs, signal
from nam_web.wav import Audio
from train_support import LATENCY, quick_pair, reamp


def _audio(x: np.ndarray, rate: int = signal.SAMPLE_RATE) -> Audio:
    x = np.asarray(x, dtype=np.float32)
    return Audio(x[:, None] if x.ndim == 1 else x, rate)


def _status(analysis: checks.Analysis, name: str) -> str:
    return next(c.status for c in analysis.checks if c.name == name)


def test_capture_signal_layout_and_determinism():
    x = signal.capture_signal(signal.QUICK)
    lay = signal.layout(signal.QUICK)
    assert x.size == lay.length and x.dtype == np.float32
    assert np.array_equal(x, signal.capture_signal.__wrapped__(signal.QUICK))  # not just the cache
    assert np.all(x[lay.noise_floor.start : lay.noise_floor.stop] == 0.0)
    for b in lay.blips:
        assert x[b] == pytest.approx(signal.BLIP_AMPLITUDE, abs=1e-6)
        assert np.count_nonzero(x[b - 2000 : b + 2000]) == 1
    v1, v2 = lay["validation_1"], lay["validation_2"]
    assert np.array_equal(x[v1.start : v1.stop], x[v2.start : v2.stop])
    assert np.max(np.abs(x)) < 1.0
    # on the 24-bit grid, so a 24-bit WAV holds it exactly
    assert np.array_equal(wav.read(wav.encode(x, 48_000, bits=24)).mono(), x)


def test_standard_signal_is_a_few_minutes_with_sweeps_at_three_levels():
    lay = signal.layout(signal.STANDARD)
    assert 150 <= lay.length / signal.SAMPLE_RATE <= 240
    x = signal.capture_signal(signal.STANDARD)
    sweeps = lay["sweeps"]
    third = sweeps.length // 3
    peaks = [np.max(np.abs(x[sweeps.start + i * third : sweeps.start + (i + 1) * third])) for i in range(3)]
    assert peaks[0] < peaks[1] < peaks[2] <= 0.71 + 1e-3


def test_identify_ours_v3_and_custom():
    x = np.array(signal.capture_signal(signal.QUICK))
    assert inputs.identify(x, 48_000).kind == "nam-web-quick"
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, 20 * 48_000).astype(np.float32)
    custom = inputs.identify(noise, 48_000, noise.tobytes(), validation_s=3.0)
    assert custom.kind == "custom" and custom.validation == (17 * 48_000, 20 * 48_000)
    assert inputs._is_nam_v3(noise, 48_000, None) is False


def test_analysis_of_a_good_reamp_finds_latency_and_passes():
    x, y = quick_pair()
    a = checks.analyse(_audio(x), _audio(y))
    assert a.passed, [c.message for c in a.checks]
    assert a.latency.recommended == LATENCY - checks.LATENCY_SAFETY
    assert a.latency.method == "blips"
    assert _status(a, "replicate") == "ok" and _status(a, "noise_floor") == "ok"
    # aligned: y[t] answers x[t] (one sample of safety margin)
    assert np.array_equal(a.y[1000:2000], y[1000 + LATENCY - 1 : 2000 + LATENCY - 1])


def test_manual_latency_overrides():
    x, y = quick_pair()
    a = checks.analyse(_audio(x), _audio(y), manual_latency=10)
    assert a.latency.final == 10 and a.latency.recommended == LATENCY - 1
    assert _status(a, "latency_manual") == "ok"


def test_without_blips_latency_comes_from_cross_correlation():
    rng = np.random.default_rng(3)
    x = (0.3 * rng.standard_normal(6 * 48_000)).astype(np.float32)
    y = reamp(x, latency=25)
    a = checks.analyse(_audio(x), _audio(y), validation_s=1.0)
    assert a.layout.kind == "custom"
    assert a.latency.method == "cross-correlation"
    assert abs(a.latency.delays[0] - 25) <= 1


def test_stereo_with_a_silent_channel_uses_the_other():
    x, y = quick_pair()
    a = checks.analyse(_audio(x), _audio(np.stack([np.zeros_like(y), y], axis=1)))
    assert a.passed
    check = next(c for c in a.checks if c.name == "channel")
    assert check.status == "warning" and check.value == "right" and "left is silent" in check.message


@pytest.mark.parametrize(
    ("name", "make", "status"),
    [
        ("length", lambda x, y: (x, y[:-48_000]), "error"),
        ("length", lambda x, y: (x, np.concatenate([y, np.zeros(3 * 48_000, np.float32)])), "error"),
        ("silence", lambda x, y: (x, np.zeros_like(y)), "error"),
        ("clipping", lambda x, y: (x, np.clip(4 * y, -1, 1)), "warning"),
        ("dc_offset", lambda x, y: (x, y + 0.05), "warning"),
        (
            "noise_floor",
            lambda x, y: (x, y + 0.01 * np.random.default_rng(0).standard_normal(y.size)),
            "warning",
        ),
    ],
)
def test_each_problem_is_reported(name, make, status):
    x, y = quick_pair()
    x, y = make(x, y)
    a = checks.analyse(_audio(x), _audio(y.astype(np.float32)))
    assert _status(a, name) == status
    assert a.passed == (status != "error")
    if status == "error":
        with pytest.raises(checks.WavError, match="failed its checks"):
            checks.require_pass(a)


def test_sample_rate_mismatch_is_an_error():
    x, y = quick_pair()
    a = checks.analyse(_audio(x), _audio(y, 44_100))
    assert _status(a, "sample_rate") == "error" and not a.passed


def test_a_time_varying_rig_fails_the_replicate_check():
    x, y = quick_pair()
    drift = np.linspace(1.0, 1.3, y.size).astype(np.float32)  # the amp got louder as it warmed up
    a = checks.analyse(_audio(x), _audio(y * drift))
    check = next(c for c in a.checks if c.name == "replicate")
    assert check.status == "warning" and "does not sound like itself" in check.message


def test_analyse_files_reads_wavs_and_rejects_bad_ones(tmp_path):
    x, y = quick_pair()
    wav.write(tmp_path / "in.wav", x, 48_000, bits=24)
    wav.write(tmp_path / "out.wav", y, 48_000)
    assert checks.analyse_files(tmp_path / "in.wav", tmp_path / "out.wav").passed
    (tmp_path / "bad.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    with pytest.raises(checks.WavError):
        checks.analyse_files(tmp_path / "in.wav", tmp_path / "bad.wav")
    with pytest.raises(checks.WavError, match="cannot open"):
        checks.analyse_files(tmp_path / "missing.wav", tmp_path / "out.wav")
