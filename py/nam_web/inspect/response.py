"""How a model responds to sines: gain curve, harmonics per input level, frequency response.

Everything is measured by running the model's own streaming engine (NumPy only, so it runs in
Pyodide too) and returns plain lists, ready to plot. Levels are in dBFS of a sine's peak
(amplitude 1.0 = 0 dBFS); harmonics in dBc (relative to the fundamental at the output).

- :func:`level_sweep`: a steady tone stepped through input levels; at each level the output's
  fundamental (gain curve), each harmonic and the THD, read from one coherently sampled FFT window.
- :func:`frequency_response`: an exponential sine sweep at a given level; output power over
  input power per fractional-octave band.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from nam_web import models
from nam_web.errors import NamWebError
from nam_web.namfile import NamDocument

Process = Callable[[np.ndarray], np.ndarray]

FLOOR_DB = -160.0
"""Values below this are reported as this (no -inf in plain data)."""

WINDOW = 4096
"""FFT window of the level sweep (samples); the tone is snapped to a bin of it."""

MAX_SETTLE = 48000
"""Longest settling time per level (samples), whatever the receptive field claims."""

MAX_MEASURE_MACS = 2e10
"""Most multiply-accumulates a full measurement may cost (a standard WaveNet needs about 3e9)."""

SWEEP_SAMPLES = 1 << 15
"""Length of each frequency-response sweep (samples)."""

LEVELS_DB = tuple(range(-60, 1, 5))
RESPONSE_LEVELS_DB = (-40.0, -20.0, -6.0)


def db(amplitude: np.ndarray | float) -> np.ndarray:
    """20·log10 of an amplitude ratio, floored at :data:`FLOOR_DB`."""
    return np.maximum(20.0 * np.log10(np.maximum(np.abs(amplitude), 1e-300)), FLOOR_DB)


@dataclass(frozen=True)
class LevelSweep:
    """Output of a steady tone at each input level.

    ``output_db``: level of the output's fundamental (dBFS); ``gain_db`` = output − input;
    ``harmonics_db[n]``: harmonic n+2 relative to the fundamental (dBc), one value per level;
    ``thd_percent``: total harmonic distortion; ``dc``: mean output (full scale = 1).
    """

    tone_hz: float
    input_db: list[float]
    output_db: list[float]
    gain_db: list[float]
    harmonics_db: list[list[float]]
    thd_percent: list[float]
    dc: list[float]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FrequencyResponse:
    """Gain (dB) per frequency (Hz) for a sweep at ``level_db`` dBFS."""

    level_db: float
    frequency_hz: list[float]
    gain_db: list[float]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _run(process: Process, x: np.ndarray, what: str) -> np.ndarray:
    """``process(x)`` as float64; a model whose output blows up is reported, not plotted."""
    y = np.asarray(process(x.astype(np.float32)), dtype=np.float64)
    if not np.isfinite(y).all():
        raise NamWebError(f"the model's output is not finite (NaN or infinite) for {what}; "
                          "its weights are probably damaged")
    return y


def _level_step(settle: int) -> int:
    """Samples per level: ``settle`` capped and rounded up to whole windows (so the tone's phase
    runs on unbroken from one level to the next), then the analysed window."""
    return WINDOW * math.ceil(min(max(settle, 1), MAX_SETTLE) / WINDOW) + WINDOW


def level_sweep(process: Process, sample_rate: float, *, levels_db: Sequence[float] = LEVELS_DB,
                tone_hz: float = 1000.0, harmonics: int = 8, settle: int = WINDOW) -> LevelSweep:
    """Step a tone of ``tone_hz`` through ``levels_db``; ``settle`` samples are skipped at each step."""
    k = max(1, round(tone_hz * WINDOW / sample_rate))
    tone_hz = k * sample_rate / WINDOW
    step = _level_step(settle)
    cycle = np.sin(2 * np.pi * k * np.arange(step) / WINDOW)
    out_db, thd, dc, harm = [], [], [], []
    orders = [h for h in range(2, harmonics + 1) if h * k < WINDOW // 2]
    for level in levels_db:
        y = _run(process, 10 ** (level / 20) * cycle, f"a {tone_hz:.0f} Hz tone at {level:g} dBFS")
        spectrum = np.abs(np.fft.rfft(y[-WINDOW:])) * (2.0 / WINDOW)
        fundamental = spectrum[k]
        partials = np.array([spectrum[h * k] for h in orders])
        out_db.append(float(db(fundamental)))
        harm.append([float(v) for v in db(partials / max(fundamental, 1e-300))])
        thd.append(float(100 * np.sqrt(np.sum(partials**2)) / fundamental) if fundamental > 1e-12 else 0.0)
        dc.append(float(y[-WINDOW:].mean()))
    by_order = [[harm[i][j] for i in range(len(harm))] for j in range(len(orders))]
    return LevelSweep(tone_hz, [float(v) for v in levels_db], out_db,
                      [o - float(i) for o, i in zip(out_db, levels_db, strict=True)], by_order, thd, dc)


def frequency_response(process: Process, sample_rate: float, *, level_db: float = -40.0,
                       low_hz: float = 20.0, high_hz: float = 20000.0, samples: int = SWEEP_SAMPLES,
                       tail: int = 4096, points: int = 160, band_octaves: float = 1 / 6) -> FrequencyResponse:
    """Run an exponential sweep ``low_hz``→``high_hz`` at ``level_db`` and measure gain per band."""
    high_hz = min(high_hz, 0.45 * sample_rate)
    t = np.arange(samples) / sample_rate
    duration = samples / sample_rate
    rate = duration / math.log(high_hz / low_hz)
    sweep = np.sin(2 * np.pi * low_hz * rate * (np.exp(t / rate) - 1))
    fade = min(256, samples // 8)
    sweep[:fade] *= np.sin(np.linspace(0, np.pi / 2, fade)) ** 2
    sweep[-fade:] *= np.cos(np.linspace(0, np.pi / 2, fade)) ** 2
    x = np.concatenate((10 ** (level_db / 20) * sweep, np.zeros(tail)))
    y = _run(process, x, f"a sine sweep at {level_db:g} dBFS")
    y = y - y[-tail // 2:].mean()  # a constant DC offset is not part of the response
    n = x.size
    power_in, power_out = np.abs(np.fft.rfft(x)) ** 2, np.abs(np.fft.rfft(y)) ** 2
    freqs = np.fft.rfftfreq(n, 1 / sample_rate)
    centres = np.geomspace(low_hz * 2 ** band_octaves, high_hz / 2 ** band_octaves, points)
    edges = np.searchsorted(freqs, np.stack((centres * 2 ** (-band_octaves / 2),
                                              centres * 2 ** (band_octaves / 2))))
    cum_in, cum_out = np.concatenate(([0], np.cumsum(power_in))), np.concatenate(([0], np.cumsum(power_out)))
    hi = np.maximum(edges[1], edges[0] + 1)
    ratio = (cum_out[hi] - cum_out[edges[0]]) / np.maximum(cum_in[hi] - cum_in[edges[0]], 1e-300)
    gain = np.maximum(10 * np.log10(np.maximum(ratio, 1e-300)), FLOOR_DB)
    return FrequencyResponse(float(level_db), centres.tolist(), gain.tolist())


@dataclass(frozen=True)
class Response:
    """Everything the inspector plots about one model's sound."""

    sample_rate: float
    levels: LevelSweep
    frequency: list[FrequencyResponse]

    def to_json(self) -> dict[str, Any]:
        return {"sample_rate": self.sample_rate, "levels": self.levels.to_json(),
                "frequency": [f.to_json() for f in self.frequency]}


def measure(doc: NamDocument, *, levels_db: Sequence[float] = LEVELS_DB,
            response_levels_db: Sequence[float] = RESPONSE_LEVELS_DB) -> Response:
    """Build ``doc``'s engine and measure its level sweep and its frequency response at each level.

    The engine is prewarmed and reset to that state before each measurement, so one does not
    colour the next.
    """
    engine = models.build(doc)
    rate = doc.effective_sample_rate
    settle = min(max(engine.receptive_field + 1, WINDOW), MAX_SETTLE)
    samples = len(levels_db) * _level_step(settle) + len(response_levels_db) * (SWEEP_SAMPLES + settle)
    cost = samples * engine.config.macs_per_sample()
    if cost > MAX_MEASURE_MACS:
        raise NamWebError(f"measuring this model would take {cost / 1e9:.0f} billion multiply-adds "
                          f"({engine.config.macs_per_sample():,} per sample); the inspector stops at "
                          f"{MAX_MEASURE_MACS / 1e9:.0f} billion")

    def fresh() -> Process:
        engine.prewarm()
        return engine.process

    levels = level_sweep(fresh(), rate, levels_db=levels_db, settle=settle)
    curves = [frequency_response(fresh(), rate, level_db=lv, tail=settle) for lv in response_levels_db]
    return Response(rate, levels, curves)
