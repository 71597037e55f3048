"""Shared pieces for the training tests: a synthetic 'amp' and a reamp of our quick capture signal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from nam_web import wav
from nam_web.train import signal

LATENCY = 37
"""Samples of delay the synthetic rig adds (the checks should find LATENCY − 1 after the safety sample)."""
NOISE_RMS = 1e-4
"""Noise floor of the synthetic rig (linear RMS, −80 dBFS)."""


def amp(x: np.ndarray) -> np.ndarray:
    """A known nonlinearity standing in for an amp: treble boost, tanh drive, a gentle low-pass."""
    boosted = np.convolve(x.astype(np.float64), [1.0, -0.5])[: x.size]
    driven = np.tanh(6.0 * boosted)
    return 0.5 * np.convolve(driven, np.ones(4) / 4)[: x.size]


def reamp(x: np.ndarray, latency: int = LATENCY, noise: float = NOISE_RMS, seed: int = 1) -> np.ndarray:
    """``x`` through :func:`amp`, delayed by ``latency`` samples, with a noise floor (float32)."""
    y = np.concatenate([np.zeros(latency), amp(x)])[: x.size]
    y += noise * np.random.default_rng(seed).standard_normal(x.size)
    return y.astype(np.float32)


def quick_pair() -> tuple[np.ndarray, np.ndarray]:
    """Our quick capture signal and its synthetic reamp."""
    x = np.array(signal.capture_signal(signal.QUICK))
    return x, reamp(x)


def write_quick_pair(folder: Path) -> tuple[Path, Path]:
    """input.wav (24-bit, as users download it) and output.wav (float) in ``folder``."""
    x, y = quick_pair()
    input_path, output_path = folder / "input.wav", folder / "output.wav"
    wav.write(input_path, x, signal.SAMPLE_RATE, bits=24)
    wav.write(output_path, y, signal.SAMPLE_RATE)
    return input_path, output_path
