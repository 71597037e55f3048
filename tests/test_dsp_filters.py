"""Block-matrix linear filters and the DC blocker, against scipy's lfilter."""

from __future__ import annotations

import math

import numpy as np
from dsp_helpers import stream
from nam_web.dsp.dc_blocker import DCBlocker
from nam_web.dsp.linear_filter import Biquad, StateSpaceFilter, cascade
from scipy import signal


def test_biquad_cascade_matches_lfilter_in_any_blocks() -> None:
    sections = [Biquad(0.2, 0.3, 0.1, -1.5, 0.7), Biquad(1.1, -1.8, 0.8, -1.7, 0.75)]
    filt = StateSpaceFilter(cascade([s.state_space() for s in sections]))
    x = np.random.default_rng(0).standard_normal(6000).astype(np.float32)
    y = stream(filt.process, x, max_block=700)  # includes blocks longer than one chunk
    ref = x.astype(np.float64)
    for s in sections:
        ref = signal.lfilter([s.b0, s.b1, s.b2], [1.0, s.a1, s.a2], ref)
    assert np.abs(y - ref).max() < 1e-5 * np.abs(ref).max()


def test_a_nan_does_not_jam_the_filter() -> None:
    filt = StateSpaceFilter(Biquad(0.5, 0.2, 0.1, -0.5, 0.2).state_space())
    filt.process(np.array([np.nan] * 4, dtype=np.float32))
    assert np.isfinite(filt.process(np.ones(64, dtype=np.float32))).all()


def test_dc_blocker_is_the_plugins_5_hz_high_pass() -> None:
    rate = 48000
    alpha = 1.0 / (1.0 + 2.0 * math.pi * 5.0 / rate)
    x = (np.random.default_rng(1).standard_normal(20000) + 0.7).astype(np.float32)
    ref = signal.lfilter([alpha, -alpha], [1.0, -alpha], x.astype(np.float64))
    y = stream(DCBlocker(rate).process, x)
    assert np.abs(y - ref).max() < 1e-5
    settled = DCBlocker(rate).process(np.full(rate * 2, 0.5, dtype=np.float32))
    assert abs(settled[-1]) < 1e-4  # DC gone after two seconds
