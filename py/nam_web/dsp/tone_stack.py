"""The NAM plugin's tone stack: bass, middle and treble knobs (0–10, 5 = flat) as three RBJ biquads.

Knob → filter, as the plugin maps them:
- bass: low shelf at 150 Hz, Q 0.707, gain 4·(knob − 5) dB (±20 dB);
- middle: peak at 425 Hz, gain 3·(knob − 5) dB (±15 dB), Q 0.7 when boosting, 1.5 when cutting;
- treble: high shelf at 1800 Hz, Q 0.707, gain 2·(knob − 5) dB (±10 dB).
Coefficients follow the Audio EQ Cookbook (shelves with the Q form of alpha). The three sections
run a block at a time as one :class:`~nam_web.dsp.linear_filter.Cascade`; a flat stack whose state
has died away is a wire. Knob moves glide (time constant :data:`GLIDE_S`) so turning a knob never
clicks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nam_web.dsp.base import as_block, chunks
from nam_web.dsp.linear_filter import Biquad, Cascade

BASS_HZ, MID_HZ, TREBLE_HZ = 150.0, 425.0, 1800.0
SHELF_Q = 0.707
FLAT = 5.0
GLIDE_S = 0.015
"""Time constant (s) with which the sounding knob values follow the set ones."""
GLIDE_BLOCK = 128
"""While gliding, coefficients are updated every this many samples."""


def _cookbook(sample_rate: float, frequency: float, q: float,
              gain_db: float) -> tuple[float, float, float, float]:
    a = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * math.pi * frequency / sample_rate
    return a, math.cos(w0), math.sin(w0) / (2.0 * q), w0


def low_shelf(sample_rate: float, frequency: float, q: float, gain_db: float) -> Biquad:
    """RBJ low shelf: gain_db below ``frequency`` (Hz), half of it (in dB) at ``frequency``."""
    a, cosw, alpha, _ = _cookbook(sample_rate, frequency, q, gain_db)
    ap, am, k = a + 1.0, a - 1.0, 2.0 * math.sqrt(a) * alpha
    return Biquad.from_raw(a * (ap - am * cosw + k), 2.0 * a * (am - ap * cosw), a * (ap - am * cosw - k),
                           ap + am * cosw + k, -2.0 * (am + ap * cosw), ap + am * cosw - k)


def peaking(sample_rate: float, frequency: float, q: float, gain_db: float) -> Biquad:
    """RBJ peaking EQ: gain_db at ``frequency`` (Hz), bandwidth set by ``q``."""
    a, cosw, alpha, _ = _cookbook(sample_rate, frequency, q, gain_db)
    return Biquad.from_raw(1.0 + alpha * a, -2.0 * cosw, 1.0 - alpha * a,
                           1.0 + alpha / a, -2.0 * cosw, 1.0 - alpha / a)


def high_shelf(sample_rate: float, frequency: float, q: float, gain_db: float) -> Biquad:
    """RBJ high shelf: gain_db above ``frequency`` (Hz), half of it (in dB) at ``frequency``."""
    a, cosw, alpha, _ = _cookbook(sample_rate, frequency, q, gain_db)
    ap, am, k = a + 1.0, a - 1.0, 2.0 * math.sqrt(a) * alpha
    return Biquad.from_raw(a * (ap + am * cosw + k), -2.0 * a * (am + ap * cosw), a * (ap + am * cosw - k),
                           ap - am * cosw + k, 2.0 * (am - ap * cosw), ap - am * cosw - k)


@dataclass(frozen=True)
class ToneKnobs:
    """Knob positions 0–10 (5 = flat)."""

    bass: float = FLAT
    mid: float = FLAT
    treble: float = FLAT

    def gains_db(self) -> tuple[float, float, float]:
        """(bass, mid, treble) gains in dB as the plugin maps the knobs."""
        return 4.0 * (self.bass - FLAT), 3.0 * (self.mid - FLAT), 2.0 * (self.treble - FLAT)

    def sections(self, sample_rate: float) -> list[Biquad]:
        bass_db, mid_db, treble_db = self.gains_db()
        mid_q = 1.5 if mid_db < 0.0 else 0.7
        return [low_shelf(sample_rate, BASS_HZ, SHELF_Q, bass_db),
                peaking(sample_rate, MID_HZ, mid_q, mid_db),
                high_shelf(sample_rate, TREBLE_HZ, SHELF_Q, treble_db)]

    def response_db(self, frequency: np.ndarray | float, sample_rate: float) -> np.ndarray:
        """Magnitude response (dB) of the whole stack at ``frequency`` (Hz)."""
        h = np.ones_like(np.asarray(frequency, dtype=float), dtype=complex)
        for section in self.sections(sample_rate):
            h = h * section.response(frequency, sample_rate)
        return 20.0 * np.log10(np.abs(h))

    @property
    def flat(self) -> bool:
        return self.bass == FLAT and self.mid == FLAT and self.treble == FLAT


def _check_knob(name: str, value: float) -> float:
    value = float(value)
    if not (math.isfinite(value) and 0.0 <= value <= 10.0):
        raise ValueError(f"{name} knob {value!r} is outside 0–10")
    return value


class ToneStack:
    """Bass/middle/treble as in the NAM plugin; ``active=False`` glides to flat and bypasses."""

    latency = 0

    def __init__(self, sample_rate: float, knobs: ToneKnobs = ToneKnobs(), active: bool = True) -> None:
        self.sample_rate = float(sample_rate)
        self.knobs = knobs
        self.active = active
        self.sounding = self.target  # the knob values the filters use right now
        self.filter = Cascade(self.sounding.sections(self.sample_rate))

    @property
    def target(self) -> ToneKnobs:
        return self.knobs if self.active else ToneKnobs()

    def set(self, bass: float | None = None, mid: float | None = None, treble: float | None = None,
            active: bool | None = None) -> None:
        """Move knobs (0–10) or switch the stack; the sound glides there."""
        k = self.knobs
        self.knobs = ToneKnobs(
            k.bass if bass is None else _check_knob("bass", bass),
            k.mid if mid is None else _check_knob("mid", mid),
            k.treble if treble is None else _check_knob("treble", treble))
        if active is not None:
            self.active = bool(active)

    def reset(self) -> None:
        """Silence the history and jump to the set knobs."""
        self.sounding = self.target
        self.filter.set(self.sounding.sections(self.sample_rate))
        self.filter.reset()

    def _glide(self, n: int) -> None:
        target, now = self.target, self.sounding
        keep = math.exp(-n / (GLIDE_S * self.sample_rate))

        def toward(a: float, b: float) -> float:
            nxt = b + (a - b) * keep
            return b if abs(nxt - b) < 0.005 else nxt

        self.sounding = ToneKnobs(toward(now.bass, target.bass), toward(now.mid, target.mid),
                                  toward(now.treble, target.treble))
        self.filter.set(self.sounding.sections(self.sample_rate), passing=self.sounding != target)

    def process(self, x: np.ndarray) -> np.ndarray:
        x = as_block(x)
        if self.sounding == self.target:
            return x if self.filter.idle else self.filter.process(x)
        out = np.empty_like(x)
        for start, stop in chunks(x.size, GLIDE_BLOCK):
            if self.sounding != self.target:
                self._glide(stop - start)
            out[start:stop] = self.filter.process(x[start:stop])
        return out
