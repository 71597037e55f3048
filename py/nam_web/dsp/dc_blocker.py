"""DC blocker: the NAM plugin's one-pole high-pass at 5 Hz after the cabinet IR.

y[n] = α·(x[n] − x[n−1]) + α·y[n−1] with α = 1 / (1 + 2π·f/fs), f = 5 Hz: removes the DC offset
many captures have (some untrained or odd models sit far off zero) without touching the audio band.
"""

from __future__ import annotations

import math

import numpy as np

from nam_web.dsp.linear_filter import StateSpaceFilter

DC_BLOCKER_HZ = 5.0


class DCBlocker(StateSpaceFilter):
    """One-pole high-pass at ``frequency`` Hz (5 Hz as in the plugin), run a block at a time."""

    def __init__(self, sample_rate: float, frequency: float = DC_BLOCKER_HZ) -> None:
        alpha = 1.0 / (1.0 + 2.0 * math.pi * frequency / sample_rate)
        # State s = α·(y[n−1] − x[n−1]): y = α·x + s, s' = α·s + (α² − α)·x.
        super().__init__((np.array([[alpha]]), np.array([alpha * alpha - alpha]), np.array([1.0]), alpha))
        self.alpha = alpha
