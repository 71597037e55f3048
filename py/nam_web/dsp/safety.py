"""Output safety: no NaN, no infinity and nothing above 0 dBFS ever reaches the speakers.

- Non-finite samples become silence and are counted.
- A soft-knee peak limiter: a peak follower with instant attack and :data:`RELEASE_S` release
  drives a static curve that is the identity up to :data:`KNEE_DB` below the ceiling and bends
  smoothly (tanh) toward the ceiling above it. Since the follower is never below |x|, the output
  never exceeds the ceiling (0 dBFS). No look-ahead, so no latency.
- :func:`model_fault` tells a blown-up model block (non-finite, or beyond :data:`FAULT_LEVEL`) from
  a merely loud one; the chain then mutes, counts and reports it.
"""

from __future__ import annotations

import math

import numpy as np

from nam_web.dsp.base import MAX_CHUNK, as_block, chunks

CEILING = 1.0
"""Largest output magnitude (0 dBFS)."""
KNEE_DB = 6.0
"""Width (dB) of the soft knee below the ceiling; quieter peaks pass untouched."""
RELEASE_S = 0.1
FAULT_LEVEL = 1000.0
"""A model output beyond this (+60 dBFS) or non-finite is a fault, not audio."""


def scrub(x: np.ndarray) -> tuple[np.ndarray, int]:
    """``x`` with non-finite samples replaced by 0, and how many there were."""
    bad = ~np.isfinite(x)
    count = int(np.count_nonzero(bad))
    if count:
        x = np.where(bad, np.float32(0.0), x)
    return x, count


def model_fault(y: np.ndarray) -> str | None:
    """Why the model block ``y`` is a fault (None when it is audio)."""
    peak = float(np.abs(y).max()) if y.size else 0.0
    if peak <= FAULT_LEVEL:
        return None
    if not math.isfinite(peak) or not np.isfinite(y).all():
        return "model output is not finite (NaN or infinity)"
    return f"model output peaks above {20 * math.log10(FAULT_LEVEL):+.0f} dBFS"


class Limiter:
    """Soft-knee peak limiter to ``ceiling`` (see the module docstring); non-finite samples in its
    input become silence (counted in ``nonfinite``), so its output is always safe to play."""

    latency = 0

    def __init__(self, sample_rate: float, ceiling: float = CEILING, knee_db: float = KNEE_DB) -> None:
        self.ceiling = float(ceiling)
        self.knee = self.ceiling * 10.0 ** (-knee_db / 20.0)
        r = math.exp(-1.0 / (RELEASE_S * sample_rate))
        j = np.arange(MAX_CHUNK + 1)
        self._decay, self._undecay = r ** j, r ** (-j.astype(float))
        self.limited = 0
        self.nonfinite = 0
        self.reset()

    def reset(self) -> None:
        self.envelope = 0.0

    def curve(self, level: np.ndarray) -> np.ndarray:
        """Output peak level for input peak ``level`` (both linear): identity below the knee."""
        span = self.ceiling - self.knee
        return np.where(level <= self.knee, level, self.knee + span * np.tanh((level - self.knee) / span))

    def process(self, x: np.ndarray) -> np.ndarray:
        x = as_block(x)
        if not x.size:
            return x
        mag = np.abs(x)
        peak = mag.max()
        if self.envelope <= self.knee and peak <= self.knee:
            return x  # any follower value at or below the knee acts the same from here on
        if not np.isfinite(peak):
            x, count = scrub(x)
            self.nonfinite += count
            mag = np.abs(x)
        mag = mag.astype(np.float64)
        env = np.empty_like(mag)
        for start, stop in chunks(mag.size, MAX_CHUNK):
            n = stop - start
            follow = self._decay[:n] * np.maximum.accumulate(mag[start:stop] * self._undecay[:n])
            env[start:stop] = np.maximum(follow, self.envelope * self._decay[1:n + 1])
            self.envelope = float(env[stop - 1])
        gain = np.ones_like(env)
        loud = env > self.knee
        gain[loud] = self.curve(env[loud]) / env[loud]
        self.limited += int(np.count_nonzero(loud))
        return np.clip(x * gain, -self.ceiling, self.ceiling).astype(np.float32)
