"""Block-matrix linear filters and the DC blocker, against scipy's lfilter."""

from __future__ import annotations

import math

import numpy as np
import pytest
from dsp_helpers import stream
from nam_web.dsp.dc_blocker import DCBlocker
from nam_web.dsp.linear_filter import Biquad, Cascade
from scipy import signal


def test_biquad_cascade_matches_lfilter_in_any_blocks() -> None:
    sections = [Biquad(0.2, 0.3, 0.1, -1.5, 0.7), Biquad(1.1, -1.8, 0.8, -1.7, 0.75)]
    x = np.random.default_rng(0).standard_normal(6000).astype(np.float32)
    y = stream(Cascade(sections).process, x, max_block=700)  # blocks longer than one chunk too
    ref = x.astype(np.float64)
    for s in sections:
        ref = signal.lfilter([s.b0, s.b1, s.b2], [1.0, s.a1, s.a2], ref)
    assert np.abs(y - ref).max() < 1e-5 * np.abs(ref).max()


@pytest.mark.parametrize("q", [Biquad(0.3, 0.2, 0.1, -1.6, 0.64), Biquad(0.3, 0.2, 0.1, -1.6, 0.6399999),
                               Biquad(1.2, -1.9, 0.8, -1.95, 0.96)])
def test_gliding_path_equals_the_matrix_path(q: Biquad) -> None:
    """Double, nearly double and complex poles: the per-block formulas agree with lfilter."""
    x = np.random.default_rng(1).standard_normal(3000).astype(np.float32)
    filt = Cascade([q])
    y = []
    for i in range(0, x.size, 128):
        filt.set([q], passing=True)
        y.append(filt.process(x[i:i + 128]))
    ref = signal.lfilter([q.b0, q.b1, q.b2], [1.0, q.a1, q.a2], x.astype(np.float64))
    assert np.abs(np.concatenate(y) - ref).max() < 1e-4 * np.abs(ref).max()


def test_settled_and_gliding_paths_share_one_state() -> None:
    sections = [Biquad(0.2, 0.3, 0.1, -1.5, 0.7), Biquad(1.1, -1.8, 0.8, -1.7, 0.75),
                Biquad(1.0, -1.2, 0.5, -1.2, 0.5)]  # the last one flat
    x = np.random.default_rng(2).standard_normal(4096).astype(np.float32)
    filt, y = Cascade(sections), []
    for i in range(0, x.size, 128):
        filt.set(sections, passing=(i // 128) % 3 == 0)
        y.append(filt.process(x[i:i + 128]))
    ref = x.astype(np.float64)
    for s in sections:
        ref = signal.lfilter([s.b0, s.b1, s.b2], [1.0, s.a1, s.a2], ref)
    assert np.abs(np.concatenate(y) - ref).max() < 1e-5 * np.abs(ref).max()


def test_a_nan_does_not_jam_the_filter() -> None:
    filt = Cascade([Biquad(0.5, 0.2, 0.1, -0.5, 0.2)])
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
