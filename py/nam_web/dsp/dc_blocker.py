"""DC blocker: the NAM plugin's one-pole high-pass at 5 Hz after the cabinet IR.

y[n] = α·(x[n] − x[n−1]) + α·y[n−1] with α = 1 / (1 + 2π·f/fs), f = 5 Hz: removes the DC offset
many captures have (some untrained or odd models sit far off zero) without touching the audio band.
"""

from __future__ import annotations

import math

import numpy as np

from nam_web.dsp.base import as_block
from nam_web.dsp.linear_filter import OnePole

DC_BLOCKER_HZ = 5.0


class DCBlocker:
    """One-pole high-pass at ``frequency`` Hz (5 Hz as in the plugin), run a block at a time."""

    latency = 0

    def __init__(self, sample_rate: float, frequency: float = DC_BLOCKER_HZ) -> None:
        self.alpha = 1.0 / (1.0 + 2.0 * math.pi * frequency / sample_rate)
        self.pole = OnePole(self.alpha)
        self.last_input = 0.0

    def reset(self) -> None:
        self.pole.state = 0.0
        self.last_input = 0.0

    def process(self, x: np.ndarray) -> np.ndarray:
        x = as_block(x)
        if not x.size:
            return x.copy()
        x64 = x.astype(np.float64)
        step = np.diff(x64, prepend=self.last_input)
        self.last_input = float(x64[-1]) if math.isfinite(x64[-1]) else 0.0
        return self.pole.run(self.alpha * step).astype(np.float32)
