"""Helpers shared by the amp-chain tests: an identity model, impulses, random block sizes, tones."""

from __future__ import annotations

import numpy as np
from conftest import MODELS
from nam_web import models


def identity(rate: float | None = 48000.0) -> models.Model:
    """A real engine that plays its input unchanged (a one-tap Linear), said to run at ``rate`` Hz."""
    engine = models.load(MODELS / "identity_linear_1.nam")
    engine.sample_rate = rate
    return engine


def stream(process, x: np.ndarray, seed: int = 0, max_block: int = 400) -> np.ndarray:
    """Run ``process`` over ``x`` cut into random blocks (including empty ones)."""
    rng = np.random.default_rng(seed)
    out, i = [], 0
    while i < x.size:
        n = int(rng.integers(0, max_block))
        out.append(process(x[i:i + n]))
        i += n
    return np.concatenate(out)


def impulse(n: int, gain: float = 1.0) -> np.ndarray:
    """``n`` samples (float32) of silence but for ``gain`` at sample 0: an IR that only scales."""
    h = np.zeros(n, dtype=np.float32)
    h[0] = gain
    return h


def tone(frequency: float, rate: float, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def tone_level(y: np.ndarray, frequency: float, rate: float) -> float:
    """Amplitude of the ``frequency`` component of ``y`` (least-squares sine + cosine fit)."""
    t = np.arange(y.size) / rate
    basis = np.stack((np.sin(2 * np.pi * frequency * t), np.cos(2 * np.pi * frequency * t)), axis=1)
    coef, *_ = np.linalg.lstsq(basis, y.astype(np.float64), rcond=None)
    return float(np.hypot(*coef))


def db(ratio: float) -> float:
    return 20.0 * float(np.log10(ratio))
