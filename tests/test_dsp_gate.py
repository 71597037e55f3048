"""Noise gate: sample-exact against a direct per-sample port of the plugin's algorithm."""

from __future__ import annotations

import math

import numpy as np
import pytest
from dsp_helpers import stream
from nam_web.dsp.gate import NoiseGate

RATE = 48000


def plugin_gate(x: np.ndarray, rate: float, threshold: float) -> np.ndarray:
    """Gain reduction (dB) per sample, written the way the plugin's Trigger::Process reads."""
    alpha = 0.5 ** (1.0 / (0.01 * rate))
    dt = 1.0 / rate

    def target(level_db: float) -> float:
        return -0.1 * (level_db - threshold) ** 2 if level_db < threshold else 0.0

    max_gr = target(-120.0)
    d_open, d_close = -max_gr / 0.005 * dt, max_gr / 0.05 * dt
    level, holding, last, held = 1e-12, False, max_gr, 0
    hold_samples = math.ceil(0.01 * rate - 1e-9)
    out = np.empty(x.size)
    for s, v in enumerate(x.astype(np.float64)):
        level = min(max(alpha * level + (1 - alpha) * v * v, 1e-12), 1000.0)
        level_db = 10.0 * math.log10(level)
        if holding:
            out[s] = last = 0.0
            if level_db < threshold:
                held += 1
                if held >= hold_samples:
                    holding = False
            else:
                held = 0
            continue
        t = target(level_db)
        if t > last:
            last += min(max(0.5 * (t - last), 0.0), d_open)
            if last >= 0.0 or -last < 2.2250738585072014e-308:  # flush-to-zero, as the plugin runs
                last, holding, held = 0.0, True, 0
        elif t < last:
            last = max(last + min(max(0.5 * (t - last), d_close), 0.0), max_gr)
        out[s] = last
    return out


def notes(seconds: float = 1.5, seed: int = 0) -> np.ndarray:
    """Plucks every 0.5 s that decay into a −80 dBFS hiss floor."""
    t = np.arange(int(RATE * seconds)) / RATE
    envelope = np.where((t % 0.5) < 0.25, 0.3 * np.exp(-(t % 0.5) * 12.0), 0.0)
    hiss = 1e-4 * np.random.default_rng(seed).standard_normal(t.size)
    return (envelope * np.sin(2 * np.pi * 196.0 * t) + hiss).astype(np.float32)


@pytest.mark.parametrize("threshold", [-80.0, -60.0, -40.0, -20.0])
def test_matches_the_plugin_sample_for_sample(threshold: float) -> None:
    x = notes()
    gate = NoiseGate(RATE, threshold, active=True)
    got = stream(gate.reductions_db, x, seed=int(-threshold))
    ref = plugin_gate(x, RATE, threshold)
    assert np.abs(got - ref).max() < 1e-9
    assert (ref == 0).any() and (ref < -10).any()  # the gate both opened and closed


def test_defaults_are_the_plugins() -> None:
    gate = NoiseGate(RATE)
    assert not gate.active and gate.threshold_db == -80.0
    assert gate.hold_samples == 480
    assert gate.max_reduction_db == pytest.approx(-160.0)


def test_gains_silence_quiet_input_and_pass_loud_input() -> None:
    gate = NoiseGate(RATE, -50.0, active=True)
    quiet = gate.gains((1e-4 * np.random.default_rng(1).standard_normal(RATE)).astype(np.float32))
    assert quiet[-1000:].max() < 1e-3  # 1e-4 rms hiss (−80 dB) is far below −50 dB: closed
    loud = gate.gains((0.3 * np.sin(np.arange(RATE) * 0.05)).astype(np.float32))
    assert np.all(loud[2000:] == 1.0)  # opens within a few milliseconds, then stays fully open


def test_delay_lines_gains_up_with_a_latency() -> None:
    x = notes(0.5)
    plain = NoiseGate(RATE, -40.0, active=True).gains(x)
    delayed = stream(NoiseGate(RATE, -40.0, active=True, delay=100).gains, x)
    assert np.array_equal(delayed[100:], plain[:-100]) and np.all(delayed[:100] == 1.0)


def test_threshold_is_checked() -> None:
    with pytest.raises(ValueError, match="threshold"):
        NoiseGate(RATE).set(threshold_db=float("nan"))


def test_switching_on_mid_play_starts_open() -> None:
    gate = NoiseGate(RATE, -40.0)
    gate.set(active=True)
    quiet = (1e-4 * np.random.default_rng(2).standard_normal(RATE // 2)).astype(np.float32)
    reductions = gate.reductions_db(quiet)
    assert reductions[0] == 0.0 and reductions[-1] < -30.0
    assert np.diff(reductions).min() >= gate.d_close - 1e-12  # closes at the plugin's rate, never jumps shut


def test_switching_off_while_closed_rises_gently() -> None:
    gate = NoiseGate(RATE, -40.0, active=True)
    gate.gains((1e-4 * np.random.default_rng(3).standard_normal(RATE // 2)).astype(np.float32))
    assert gate.last_gain < 1e-3
    gate.set(active=False)
    assert gate.sounding
    ramp = np.concatenate([gate.gains(np.zeros(128, dtype=np.float32)) for _ in range(10)])
    assert np.diff(ramp).max() < 0.01 and ramp[-1] == 1.0 and not gate.sounding
