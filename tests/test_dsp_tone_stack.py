"""Tone stack: the plugin's knob → dB mapping, RBJ responses at the band centres, glides."""

from __future__ import annotations

import numpy as np
import pytest
from dsp_helpers import db, impulse, stream, tone, tone_level
from nam_web.dsp.base import in_blocks
from nam_web.dsp.tone_stack import BASS_HZ, MID_HZ, TREBLE_HZ, ToneKnobs, ToneStack
from scipy import signal

RATE = 48000


def measured_db(stack: ToneStack, frequency: float) -> float:
    x = tone(frequency, RATE, 0.6)
    y = stack.process(x)
    settle = int(0.3 * RATE)
    return db(tone_level(y[settle:], frequency, RATE) / tone_level(x[settle:], frequency, RATE))


def test_knob_mapping_matches_the_plugin() -> None:
    assert ToneKnobs(0, 0, 0).gains_db() == (-20.0, -15.0, -10.0)
    assert ToneKnobs(10, 10, 10).gains_db() == (20.0, 15.0, 10.0)
    assert ToneKnobs().gains_db() == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("knob", [0.0, 2.5, 7.5, 10.0])
def test_each_band_at_its_centre(knob: float) -> None:
    """Shelves give half their gain (dB) at the corner, the peak its full gain: within 0.1 dB."""
    cases = [(ToneKnobs(bass=knob), BASS_HZ, 0.5 * 4 * (knob - 5)),
             (ToneKnobs(mid=knob), MID_HZ, 3 * (knob - 5)),
             (ToneKnobs(treble=knob), TREBLE_HZ, 0.5 * 2 * (knob - 5))]
    for knobs, frequency, expected in cases:
        assert measured_db(ToneStack(RATE, knobs), frequency) == pytest.approx(expected, abs=0.1)


@pytest.mark.parametrize("knobs", [ToneKnobs(8, 2, 7), ToneKnobs(0, 10, 0), ToneKnobs(3.3, 6.1, 9.9)])
@pytest.mark.parametrize("rate", [44100, 48000, 96000])
def test_whole_stack_matches_the_cookbook_formula(knobs: ToneKnobs, rate: int) -> None:
    """Streaming response = product of the three biquads (checked against scipy's freqz)."""
    stack = ToneStack(rate, knobs)
    h = in_blocks(stack.process, impulse(rate // 2), 128)
    for frequency in (BASS_HZ, MID_HZ, TREBLE_HZ, 60.0, 5000.0):
        total = 1.0 + 0j
        for s in knobs.sections(rate):
            _, resp = signal.freqz([s.b0, s.b1, s.b2], [1.0, s.a1, s.a2], worN=[frequency], fs=rate)
            total *= resp[0]
        _, streamed = signal.freqz(h.astype(np.float64), worN=[frequency], fs=rate)
        assert db(abs(streamed[0])) == pytest.approx(db(abs(total)), abs=0.1)
        assert float(knobs.response_db(frequency, rate)) == pytest.approx(db(abs(total)), abs=1e-9)


def test_mid_is_narrower_when_cutting() -> None:
    cut, boost = ToneKnobs(mid=0).sections(RATE)[1], ToneKnobs(mid=10).sections(RATE)[1]
    # One octave above the centre the 1.5-Q cut has recovered more of its gain than the 0.7-Q boost.
    cut_frac = db(abs(cut.response(2 * MID_HZ, RATE))) / -15.0
    boost_frac = db(abs(boost.response(2 * MID_HZ, RATE))) / 15.0
    assert cut_frac < boost_frac


def test_flat_is_an_exact_bypass() -> None:
    x = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    assert np.array_equal(ToneStack(RATE).process(x), x)


def test_block_size_does_not_change_the_output() -> None:
    x = np.random.default_rng(1).standard_normal(20000).astype(np.float32)
    a = stream(ToneStack(RATE, ToneKnobs(9, 1, 8)).process, x, seed=1)
    b = ToneStack(RATE, ToneKnobs(9, 1, 8)).process(x)
    assert np.abs(a - b).max() < 1e-5


def test_turning_a_knob_glides_without_a_click() -> None:
    x = tone(100.0, RATE, 1.0, 0.25)
    stack = ToneStack(RATE)
    first = stack.process(x[:24000])
    stack.set(bass=10.0)
    second = np.concatenate([stack.process(x[i:i + 128]) for i in range(24000, x.size, 128)])
    y = np.concatenate((first, second))
    steady_step = np.abs(np.diff(y[-4800:])).max()  # the sine's own largest step at full boost
    assert np.abs(np.diff(y)).max() <= steady_step * 1.01
    assert tone_level(second[-4800:], 100.0, RATE) / 0.25 > 5  # the boost arrived (≈ +18 dB at 100 Hz)


def test_switching_off_glides_to_flat_then_bypasses() -> None:
    x = np.random.default_rng(2).standard_normal(48000).astype(np.float32)
    stack = ToneStack(RATE, ToneKnobs(8, 2, 7))
    stack.process(x[:4800])
    stack.set(active=False)
    for i in range(4800, 48000, 128):
        y = stack.process(x[i:i + 128])
    assert np.array_equal(y, x[i:i + 128])


def test_knobs_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="bass"):
        ToneStack(RATE).set(bass=11)
    with pytest.raises(ValueError, match="treble"):
        ToneStack(RATE).set(treble=float("nan"))
