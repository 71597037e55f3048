"""Sample-rate conversion: a streaming polyphase windowed-sinc resampler, and a model wrapper.

Output sample m of a ``fs_in → fs_out`` resampler is the band-limited value of the input at the
(fractional) input position p = m·fs_in/fs_out (+ a fixed offset), from K input samples around it:

    y[m] = Σ_j x[i − K/2 + 1 + j] · w(p − (i − K/2 + 1 + j)),   i = ⌊p⌋,

w a Kaiser-windowed sinc whose cutoff sits between 20 kHz (passband edge) and the Nyquist frequency
of the lower rate (stopband edge), designed for ≥ :data:`STOPBAND_DB` of rejection. The ratio
fs_out/fs_in = L/M is exact, so there are L phases; every phase is normalised to unity DC gain.

:class:`ResampledModel` runs a model at its own rate inside an audio stream at another rate, as the
NAM plugin's ResamplingNAM: up, model, down, with an exact integer latency (audio samples).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from nam_web.dsp.base import as_block
from nam_web.models.base import Model

STOPBAND_DB = 95.0
"""Kaiser design target (dB); measured rejection is ≥ 90 dB."""
PASSBAND_HZ = 20000.0
"""Passband edge (Hz), capped at 90 % of the lower Nyquist frequency."""
MAX_PHASES = 4096
"""Rate ratios are approximated to at most this many phases (e.g. 44100 ↔ 48000 needs 160)."""
PULL_CHUNK = 2048
"""Outputs computed per gather (bounds the temporary K × chunk window matrix)."""


@dataclass(frozen=True)
class ResamplerDesign:
    """An ``rate_in → rate_out`` filter: ``table[r]`` holds the K taps for fractional position r/L."""

    rate_in: float
    rate_out: float
    up: int  # L
    down: int  # M
    taps: int  # K (even), in input samples
    table: np.ndarray  # (L, K) float32

    @classmethod
    def create(cls, rate_in: float, rate_out: float, ratio: Fraction | None = None) -> ResamplerDesign:
        """``ratio`` (L/M) overrides the one derived from the rates (to pair a round trip exactly)."""
        if not (rate_in > 0 and rate_out > 0 and math.isfinite(rate_in) and math.isfinite(rate_out)):
            raise ValueError(f"cannot resample {rate_in} Hz to {rate_out} Hz")
        if ratio is None:  # M/L with L ≤ MAX_PHASES
            ratio = 1 / (Fraction(rate_in) / Fraction(rate_out)).limit_denominator(MAX_PHASES)
        up, down = ratio.numerator, ratio.denominator
        nyquist = 0.5 * min(rate_in, rate_out)
        pass_hz = min(PASSBAND_HZ, 0.9 * nyquist)
        width = (nyquist - pass_hz) / rate_in  # transition width, cycles per input sample
        taps = math.ceil((STOPBAND_DB - 7.95) / (2.285 * 2.0 * math.pi * width))
        taps += taps % 2
        cutoff = 0.5 * (pass_hz + nyquist) / rate_in  # cycles per input sample
        beta = 0.1102 * (STOPBAND_DB - 8.7)
        t = np.arange(up)[:, None] / up + (taps // 2 - 1) - np.arange(taps)[None, :]
        window = np.i0(beta * np.sqrt(np.clip(1.0 - (t / (taps / 2)) ** 2, 0.0, None))) / np.i0(beta)
        table = 2.0 * cutoff * np.sinc(2.0 * cutoff * t) * window
        table /= table.sum(axis=1, keepdims=True)
        return cls(float(rate_in), float(rate_out), up, down, taps, table.astype(np.float32))

    @property
    def half(self) -> int:
        return self.taps // 2


class Resampler:
    """Streaming ``rate_in → rate_out``. Output m is the input at position (m·M + offset)/L (input
    samples); ``process`` returns every output whose K input samples have arrived."""

    def __init__(self, design: ResamplerDesign, offset: int = 0) -> None:
        self.design = design
        self.offset = offset
        # Outputs m and m + L use the same taps, their windows M inputs apart: lay one cycle (plus a
        # chunk) out in output order, so a block takes contiguous slices instead of gathers.
        r = np.arange(design.up + PULL_CHUNK, dtype=np.int64) * design.down + offset
        self._first = r // design.up - design.half + 1  # first input index of output r's window
        self._taps = design.table[r % design.up]
        self.reset()

    def reset(self) -> None:
        d = self.design
        first = (self.offset // d.up) - d.half + 1  # input index the first output starts at
        self.start = min(first, 0)  # absolute index of buf[0]; before 0 the input is silence
        self.buf = np.zeros(-self.start, dtype=np.float32)
        self.produced = 0

    def _available(self, last_input: int) -> int:
        """How many outputs in total can be computed when inputs up to ``last_input`` are in."""
        d = self.design
        # need ⌊(m·M + offset)/L⌋ + K/2 ≤ last_input  ⇔  m·M + offset < (last_input − K/2 + 1)·L
        bound = (last_input - d.half + 1) * d.up - self.offset
        return max(0, -(-bound // d.down))

    def push(self, x: np.ndarray) -> None:
        """Add input samples."""
        self.buf = np.concatenate((self.buf, as_block(x)))

    def process(self, x: np.ndarray) -> np.ndarray:
        """Add input samples and return every output that became computable."""
        self.push(x)
        return self.pull(self._available(self.start + self.buf.size - 1) - self.produced)

    def pull(self, count: int) -> np.ndarray:
        """The next ``count`` outputs (they must be computable from the input so far)."""
        if count > PULL_CHUNK:
            return np.concatenate([self.pull(min(PULL_CHUNK, count - done))
                                   for done in range(0, count, PULL_CHUNK)])
        d = self.design
        if count <= 0:
            return np.zeros(0, dtype=np.float32)
        cycles, r0 = divmod(self.produced, d.up)
        first = self._first[r0:r0 + count] + (cycles * d.down - self.start)
        if first[-1] + d.taps > self.buf.size:
            raise RuntimeError("resampler asked for output beyond its input")
        windows = np.lib.stride_tricks.as_strided(self.buf, (self.buf.size - d.taps + 1, d.taps),
                                                  (self.buf.strides[0],) * 2, writeable=False)
        y = (windows[first] * self._taps[r0:r0 + count]).sum(axis=1, dtype=np.float32)
        self.produced += count
        keep = int((self.produced * d.down + self.offset) // d.up - d.half + 1 - self.start)
        if keep > 0:
            self.buf = self.buf[keep:]
            self.start += keep
        return y


def resample(x: np.ndarray, rate_in: float, rate_out: float) -> np.ndarray:
    """Resample a whole signal, time-aligned (output 0 is input 0), ⌈len·rate_out/rate_in⌉ samples."""
    x = as_block(x)
    if rate_in == rate_out:
        return x.copy()
    r = Resampler(ResamplerDesign.create(rate_in, rate_out))
    n_out = math.ceil(x.size * r.design.up / r.design.down)
    return r.process(np.concatenate((x, np.zeros(r.design.taps + 1, dtype=np.float32))))[:n_out]


class ResampledModel:
    """A model at ``model_rate`` played in a stream at ``audio_rate``: resample up, run, resample down.

    Output sample n is the model's output at audio time n − ``latency`` exactly (band-limited):
    latency = K_up/2 + ⌈K_down/2 · audio_rate/model_rate⌉ audio samples.
    """

    def __init__(self, model: Model, audio_rate: float, model_rate: float) -> None:
        self.model = model
        into = ResamplerDesign.create(audio_rate, model_rate)
        back = ResamplerDesign.create(model_rate, audio_rate, Fraction(into.down, into.up))
        self.latency = into.half + math.ceil(back.half * back.up / back.down)
        self.into = Resampler(into)
        self.back = Resampler(back, offset=-self.latency * back.down)

    def reset(self) -> None:
        self.into.reset()
        self.back.reset()
        self.model.reset()

    def prewarm(self) -> None:
        self.into.reset()
        self.back.reset()
        self.model.prewarm()

    def process(self, x: np.ndarray) -> np.ndarray:
        x = as_block(x)
        inner = self.into.process(x)
        if inner.size:
            self.back.push(self.model.process(inner))
        return self.back.pull(x.size)
