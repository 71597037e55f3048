"""Our capture input signal: what the player sends through their amp (reamp) to make a capture.

Deterministic (same seed, same samples, on every machine), 48 kHz, stored as 24-bit PCM.
Layout, following the method NAM's own input file uses:

    silence (noise floor) | two calibration blips (latency) | silence
    | validation A | silence
    | sine sweeps at three amplitudes | noise bursts | plucked transients | guitar-like playing
    | silence | validation A again (drift / noise check) | silence

The training region is everything between the two validation copies; the model is scored on
the second copy. :class:`CaptureLayout` says where each part starts (in samples).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

SAMPLE_RATE = 48_000
"""Hz. NAM captures are trained at 48 kHz."""

BITS = 24
"""The capture signal is written as 24-bit PCM; samples are generated on that grid."""

BLIP_AMPLITUDE = 0.9
"""Peak of each single-sample calibration blip (linear, full scale = 1)."""


@dataclass(frozen=True)
class Segment:
    """A named part of the capture signal: ``start`` and ``length`` in samples."""

    name: str
    start: int
    length: int

    @property
    def stop(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class CaptureSpec:
    """Durations (seconds) of the capture signal's parts; ``seed`` fixes the random content."""

    name: str = "standard"
    validation_s: float = 9.0
    sweep_s: float = 3.0
    noise_s: float = 6.0
    plucks_s: float = 20.0
    playing_s: float = 120.0
    seed: int = 20240601


STANDARD = CaptureSpec()
"""The capture signal users download (about 3 minutes)."""

QUICK = CaptureSpec("quick", validation_s=1.5, sweep_s=0.5, noise_s=1.0, plucks_s=2.0, playing_s=4.0)
"""A short variant (about 16 s) for tests and quick experiments; same structure."""

SPECS = {spec.name: spec for spec in (STANDARD, QUICK)}


@dataclass(frozen=True)
class CaptureLayout:
    """Where things are in a capture signal (all in samples at :data:`SAMPLE_RATE`)."""

    spec: CaptureSpec
    segments: tuple[Segment, ...]
    blips: tuple[int, ...]
    """Sample index of each calibration blip."""

    def __getitem__(self, name: str) -> Segment:
        for seg in self.segments:
            if seg.name == name:
                return seg
        raise KeyError(name)

    @property
    def length(self) -> int:
        return self.segments[-1].stop

    @property
    def noise_floor(self) -> Segment:
        """Silence before the blips (the rig's own noise is measured here)."""
        return self["silence"]

    @property
    def train(self) -> Segment:
        """From the end of validation A's gap to the start of the second copy (the training data)."""
        first, last = self["sweeps"], self["gap_2"]
        return Segment("train", first.start, last.start - first.start)


def layout(spec: CaptureSpec = STANDARD) -> CaptureLayout:
    """The segment table of the capture signal for ``spec``."""
    sr = SAMPLE_RATE
    parts = [
        ("silence", int(0.5 * sr)),
        ("blips", sr),
        ("gap_0", int(0.5 * sr)),
        ("validation_1", int(spec.validation_s * sr)),
        ("gap_1", int(0.5 * sr)),
        ("sweeps", 3 * (int(spec.sweep_s * sr) + int(0.25 * sr))),
        ("noise", int(spec.noise_s * sr)),
        ("plucks", int(spec.plucks_s * sr)),
        ("playing", int(spec.playing_s * sr)),
        ("gap_2", int(0.5 * sr)),
        ("validation_2", int(spec.validation_s * sr)),
        ("tail", int(0.5 * sr)),
    ]
    segments, start = [], 0
    for name, length in parts:
        segments.append(Segment(name, start, length))
        start += length
    blips_start = segments[1].start
    return CaptureLayout(spec, tuple(segments), (blips_start + sr // 4, blips_start + 3 * sr // 4))


def _db(level_db: float | np.ndarray) -> float | np.ndarray:
    return 10.0 ** (np.asarray(level_db) / 20.0)


def sine_sweep(seconds: float, peak: float, f0: float = 20.0, f1: float = 20_000.0) -> np.ndarray:
    """Exponential sine sweep from ``f0`` to ``f1`` Hz with 10 ms fades."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    k = np.log(f1 / f0)
    phase = 2 * np.pi * f0 * seconds / k * (np.exp(t / seconds * k) - 1.0)
    return peak * np.sin(phase) * _fade(t.size, int(0.01 * SAMPLE_RATE))


def _fade(n: int, ramp: int) -> np.ndarray:
    env = np.ones(n)
    ramp = min(ramp, n // 2)
    if ramp:
        env[:ramp] = np.linspace(0.0, 1.0, ramp)
        env[n - ramp :] = np.linspace(1.0, 0.0, ramp)
    return env


def _pink(rng: np.random.Generator, n: int) -> np.ndarray:
    """Pink (1/f) noise with unit RMS, shaped in the frequency domain."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.maximum(np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE), 20.0)
    x = np.fft.irfft(spectrum / np.sqrt(f), n)
    return x / (np.sqrt(np.mean(x**2)) + 1e-12)


def noise_bursts(rng: np.random.Generator, n: int) -> np.ndarray:
    """Bursts of white and pink noise (250 ms on, 100 ms off), rising from −40 to −6 dBFS RMS."""
    out = np.zeros(n)
    burst, period = int(0.25 * SAMPLE_RATE), int(0.35 * SAMPLE_RATE)
    starts = range(0, n - burst, period)
    levels = np.linspace(-40.0, -6.0, max(len(starts), 1))
    for i, (start, level) in enumerate(zip(starts, levels, strict=False)):
        x = rng.standard_normal(burst) if i % 2 == 0 else _pink(rng, burst)
        out[start : start + burst] = _db(level) * x * _fade(burst, int(0.005 * SAMPLE_RATE))
    return np.clip(out, -0.98, 0.98)


def pluck(f0: float, seconds: float, brightness: float, position: float) -> np.ndarray:
    """One plucked string: decaying harmonics, upper ones dying faster (peak ≈ 1).

    ``brightness`` in [0, 1] sets how much top end the pick gives; ``position`` is the picking
    point as a fraction of the string length (its harmonics are notched, as on a real string).
    """
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    harmonics = np.arange(1, min(32, int(18_000 / f0)) + 1)
    amp = np.abs(np.sin(np.pi * harmonics * position)) / harmonics ** (1.6 - 0.8 * brightness)
    decay = 1.2 / (1.0 + 0.15 * harmonics**1.3)  # seconds
    inharmonic = harmonics * np.sqrt(1.0 + 1e-4 * harmonics**2)
    x = (
        amp[:, None]
        * np.exp(-t[None] / decay[:, None])
        * np.sin(2 * np.pi * f0 * inharmonic[:, None] * t[None])
    ).sum(axis=0)
    x *= 1.0 - np.exp(-t / 0.0008)  # pick attack, ~1 ms
    return x / (np.max(np.abs(x)) + 1e-12)


# Open strings of a guitar in standard tuning (Hz), low E to high E.
_STRINGS = np.array([82.41, 110.0, 146.83, 196.0, 246.94, 329.63])
_SHAPES = (
    (0, 2, 2, 1, 0, 0),
    (None, 0, 2, 2, 2, 0),
    (None, 3, 2, 0, 1, 0),
    (3, 2, 0, 0, 0, 3),
    (None, None, 0, 2, 3, 2),
    (0, 2, 2, 0, 0, 0),
    (1, 3, 3, 2, 1, 1),
)
"""Chord shapes as frets per string (None = not played): E, A, C, G, D, Em, F."""


def plucked_notes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Single plucked notes across the neck, at levels from −36 to −3 dBFS peak, with silences."""
    out = np.zeros(n)
    pos = 0
    while pos < n:
        length = int(rng.uniform(0.15, 0.9) * SAMPLE_RATE)
        f0 = _STRINGS[rng.integers(6)] * 2 ** (rng.integers(0, 15) / 12)
        note = pluck(f0, length / SAMPLE_RATE, rng.uniform(0.2, 1.0), rng.uniform(0.08, 0.3))
        _add(out, pos, note, _db(rng.uniform(-36.0, -3.0)))
        pos += length + int(rng.uniform(0.0, 0.25) * SAMPLE_RATE)
    return out


def guitar_playing(rng: np.random.Generator, n: int) -> np.ndarray:
    """Guitar-like playing: strummed chords, palm-muted chugs and single-note lines at varied dynamics."""
    out = np.zeros(n)
    pos = 0
    while pos < n:
        style = rng.integers(3)
        level = _db(rng.uniform(-24.0, -4.0))
        if style == 0:  # strummed chord, strings 8–25 ms apart
            shape = _SHAPES[rng.integers(len(_SHAPES))]
            length = rng.uniform(0.4, 2.0)
            for s, fret in enumerate(shape):
                if fret is None:
                    continue
                offset = pos + int(s * rng.uniform(0.008, 0.025) * SAMPLE_RATE)
                note = pluck(_STRINGS[s] * 2 ** (fret / 12), length, rng.uniform(0.3, 0.9), 0.15)
                _add(out, offset, note, 0.4 * level)
            pos += int(length * SAMPLE_RATE)
        elif style == 1:  # palm-muted chugs on the low strings
            f0 = _STRINGS[rng.integers(2)] * 2 ** (rng.integers(0, 5) / 12)
            for _ in range(rng.integers(4, 12)):
                length = rng.uniform(0.08, 0.2)
                note = pluck(f0, length, 0.8, 0.1) * np.exp(-np.arange(int(length * SAMPLE_RATE)) / 1500.0)
                _add(out, pos, note, level)
                pos += note.size
        else:  # a short melodic line, legato
            for _ in range(rng.integers(3, 9)):
                length = rng.uniform(0.1, 0.5)
                f0 = _STRINGS[rng.integers(2, 6)] * 2 ** (rng.integers(0, 13) / 12)
                note = pluck(f0, length, rng.uniform(0.4, 1.0), rng.uniform(0.1, 0.25))
                _add(out, pos, note, level)
                pos += note.size
        pos += int(rng.uniform(0.0, 0.3) * SAMPLE_RATE)
    return np.clip(out, -0.98, 0.98)


def _add(out: np.ndarray, pos: int, note: np.ndarray, gain: float = 1.0) -> None:
    """Mix ``gain * note`` into ``out`` from sample ``pos``, dropping what runs past the end."""
    stop = min(pos + note.size, out.size)
    if stop > pos:
        out[pos:stop] += gain * note[: stop - pos]


def _quantise(x: np.ndarray) -> np.ndarray:
    scale = float(1 << (BITS - 1))
    return (np.clip(np.round(x * scale), -scale, scale - 1) / scale).astype(np.float32)


@lru_cache(maxsize=2)
def capture_signal(spec: CaptureSpec = STANDARD) -> np.ndarray:
    """Generate the capture input signal (float32 mono, on the 24-bit grid, 48 kHz; read-only, cached)."""
    lay = layout(spec)
    rng = np.random.default_rng(spec.seed)
    x = np.zeros(lay.length)
    for b in lay.blips:
        x[b] = BLIP_AMPLITUDE
    val = lay["validation_1"]
    validation = 0.5 * guitar_playing(rng, val.length) + 0.5 * plucked_notes(rng, val.length)
    validation *= _fade(val.length, int(0.01 * SAMPLE_RATE))
    x[val.start : val.stop] = validation
    x[lay["validation_2"].start : lay["validation_2"].stop] = validation
    sweeps, sweep_n, gap = lay["sweeps"], int(spec.sweep_s * SAMPLE_RATE), int(0.25 * SAMPLE_RATE)
    for i, level in enumerate((-24.0, -12.0, -3.0)):
        start = sweeps.start + i * (sweep_n + gap)
        x[start : start + sweep_n] = sine_sweep(spec.sweep_s, _db(level))
    for name, make in (("noise", noise_bursts), ("plucks", plucked_notes), ("playing", guitar_playing)):
        seg = lay[name]
        x[seg.start : seg.stop] = make(rng, seg.length) * _fade(seg.length, int(0.005 * SAMPLE_RATE))
    out = _quantise(x)
    out.flags.writeable = False
    return out


def recognise(x: np.ndarray, sample_rate: int) -> CaptureSpec | None:
    """Which of our capture signals ``x`` is (sample-exact on the 24-bit grid), or None."""
    if sample_rate != SAMPLE_RATE:
        return None
    for spec in SPECS.values():
        lay = layout(spec)
        if x.size != lay.length:
            continue
        if np.array_equal(_quantise(x), capture_signal(spec)):
            return spec
    return None
