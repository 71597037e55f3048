"""Recursive linear filters run a whole block at a time (no per-sample Python loop).

A biquad in state-space form, s[n+1] = A·s[n] + B·x[n], y[n] = C·s[n] + D·x[n] (transposed direct
form II, so a coefficient change between blocks keeps a meaningful state and b = a means zero
state), maps a block x[0..N) and its state to the output and the next state as

    y = T·x + O·s,   s' = A^N·s + R·x,

with T[k, i] = h[k − i] (h[0] = D, h[j] = C·A^(j−1)·B), O[k] = C·A^k, R[:, i] = A^(N−1−i)·B.
For a 2×2 A, A^k = α_k·A + β_k·I with α_k = (λ₁^k − λ₂^k)/(λ₁ − λ₂), β_k = −a2·α_(k−1) (λ the
poles), so a block response costs a dozen elementwise NumPy calls and no linear algebra (slow in
Pyodide). Sections in series compose (:meth:`BlockResponse.then`) into one response, so a
settled cascade costs one np.convolve (T·x) and three small products a block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nam_web.dsp.base import MAX_CHUNK, as_block, chunks, in_blocks


@dataclass(frozen=True)
class Biquad:
    """Normalised biquad coefficients: H(z) = (b0 + b1 z⁻¹ + b2 z⁻²) / (1 + a1 z⁻¹ + a2 z⁻²)."""

    b0: float
    b1: float
    b2: float
    a1: float
    a2: float

    @classmethod
    def from_raw(cls, b0: float, b1: float, b2: float, a0: float, a1: float, a2: float) -> Biquad:
        return cls(b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0)

    def response(self, frequency: np.ndarray | float, sample_rate: float) -> np.ndarray:
        """Complex frequency response at ``frequency`` (Hz)."""
        z1 = np.exp(-2j * np.pi * np.asarray(frequency, dtype=float) / sample_rate)
        return (self.b0 + self.b1 * z1 + self.b2 * z1 * z1) / (1.0 + self.a1 * z1 + self.a2 * z1 * z1)


@dataclass(frozen=True)
class BlockResponse:
    """How one block of n samples moves through a biquad: impulse response h (n), state → output
    ``observe`` (n × 2), input → next state ``reach`` (2 × n) and ``advance`` = A^n."""

    h: np.ndarray
    observe: np.ndarray
    reach: np.ndarray
    advance: np.ndarray

    @classmethod
    def of(cls, q: Biquad, n: int) -> BlockResponse:
        k = np.arange(n + 1, dtype=np.float64)
        disc = q.a1 * q.a1 - 4.0 * q.a2
        if disc < -1e-12:  # complex poles r·e^(±iθ): α_k = r^(k−1)·sin(kθ)/sin θ
            r, theta = math.sqrt(q.a2), math.acos(max(-1.0, min(1.0, -q.a1 / (2.0 * math.sqrt(q.a2)))))
            alpha = np.exp((k - 1.0) * math.log(r)) * np.sin(k * theta) / math.sin(theta)
        elif disc > 1e-12:  # two real poles
            l1, l2 = (-q.a1 + math.sqrt(disc)) / 2.0, (-q.a1 - math.sqrt(disc)) / 2.0
            alpha = (np.power(l1, k) - np.power(l2, k)) / (l1 - l2)
        else:  # a double pole: the limit k·λ^(k−1)
            alpha = k * np.power(-q.a1 / 2.0, k - 1.0)
        beta = np.empty(n + 1)
        beta[0] = 1.0
        beta[1:] = -q.a2 * alpha[:-1]
        b0, b1 = q.b1 - q.a1 * q.b0, q.b2 - q.a2 * q.b0  # B
        observe = np.empty((n, 2))  # C·A^k = α_k·C·A + β_k·C
        observe[:, 0] = beta[:n] - q.a1 * alpha[:n]
        observe[:, 1] = alpha[:n]
        back_a, back_b = alpha[n - 1::-1], beta[n - 1::-1]  # A^(n−1−i)·B = α·A·B + β·B
        reach = np.empty((2, n))
        reach[0] = (b1 - q.a1 * b0) * back_a + b0 * back_b
        reach[1] = -q.a2 * b0 * back_a + b1 * back_b
        h = np.empty(n)
        h[0] = q.b0
        h[1:] = observe[: n - 1, 0] * b0 + observe[: n - 1, 1] * b1
        advance = np.array([[beta[n] - q.a1 * alpha[n], alpha[n]], [-q.a2 * alpha[n], beta[n]]])
        return cls(h, observe, reach, advance)

    def then(self, other: BlockResponse) -> BlockResponse:
        """The block response of this filter followed by ``other`` (state: this one's, then other's).

        With y₁ = T₁x + O₁s₁ feeding the second filter: T = T₂T₁, O = [T₂O₁, O₂],
        R = [R₁; R₂T₁], A^n = [[A₁^n, 0], [R₂O₁, A₂^n]]; every T product is a convolution.
        """
        n = self.h.size

        def through(signal: np.ndarray, h: np.ndarray) -> np.ndarray:  # T_h · signal
            return np.convolve(signal, h)[:n]

        def back(row: np.ndarray, h: np.ndarray) -> np.ndarray:  # row · T_h
            return np.convolve(row[::-1], h)[:n][::-1]

        observe = np.hstack([np.stack([through(col, other.h) for col in self.observe.T], axis=1),
                             other.observe])
        reach = np.vstack([self.reach, np.stack([back(row, self.h) for row in other.reach])])
        m1, m2 = self.advance.shape[0], other.advance.shape[0]
        advance = np.zeros((m1 + m2, m1 + m2))
        advance[:m1, :m1] = self.advance
        advance[m1:, :m1] = other.reach @ self.observe
        advance[m1:, m1:] = other.advance
        return BlockResponse(through(self.h, other.h), observe, reach, advance)

    def run(self, x: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Output (float64) and next state for the block ``x`` (length n) from ``state``."""
        return (np.convolve(x, self.h)[: x.size] + self.observe @ state,
                self.advance @ state + self.reach @ x)


def is_flat(q: Biquad) -> bool:
    """b = a: the section passes audio unchanged (once its state has died away)."""
    return q.b0 == 1.0 and q.b1 == q.a1 and q.b2 == q.a2


class Cascade:
    """Biquad sections in series, streaming. State: each section's two, first section first.

    Settled coefficients use one composite block response per block length (cached): a single
    convolution a block. Gliding coefficients (``passing``) run section by section, skipping flat
    sections whose state has died away.
    """

    latency = 0

    def __init__(self, sections: list[Biquad]) -> None:
        self.state = np.zeros(2 * len(sections))
        self.set(sections)

    def set(self, sections: list[Biquad], *, passing: bool = False) -> None:
        """New coefficients from the next sample on (the state is kept). ``passing``: they serve
        one block only (a glide step), so nothing is cached."""
        if 2 * len(sections) != self.state.size:
            raise ValueError("the number of sections cannot change while the filter runs")
        self.sections = list(sections)
        self.passing = passing
        self._composites: dict[int, BlockResponse] = {}

    def reset(self) -> None:
        self.state[:] = 0.0

    @property
    def idle(self) -> bool:
        """Every section flat and every state died away: the filter is a wire."""
        return all(is_flat(q) for q in self.sections) and np.abs(self.state).max() < 1e-12

    def _composite(self, n: int) -> BlockResponse:
        r = self._composites.get(n)
        if r is None:
            r = BlockResponse.of(self.sections[0], n)
            for q in self.sections[1:]:
                r = r.then(BlockResponse.of(q, n))
            if len(self._composites) > 8:
                self._composites.clear()
            self._composites[n] = r
        return r

    def process64(self, x: np.ndarray) -> np.ndarray:
        """Filter float ``x``; returns float64."""
        y = np.empty(x.size)
        for start, stop in chunks(x.size, MAX_CHUNK):
            n, block = stop - start, x[start:stop].astype(np.float64)
            if not self.passing:
                y[start:stop], self.state = self._composite(n).run(block, self.state)
                continue
            for i, q in enumerate(self.sections):
                part = self.state[2 * i:2 * i + 2]
                if is_flat(q) and np.abs(part).max() < 1e-12:
                    part[:] = 0.0
                    continue
                block, self.state[2 * i:2 * i + 2] = BlockResponse.of(q, n).run(block, part)
            y[start:stop] = block
        if not np.isfinite(self.state).all():
            self.state[:] = 0.0  # a NaN must not jam the filter (the plugin zeroes NaN outputs)
        return y

    def process(self, x: np.ndarray) -> np.ndarray:
        return self.process64(as_block(x)).astype(np.float32)


class OnePole:
    """y[n] = pole·y[n−1] + x[n] for |pole| < 1 close to 1, a block at a time with one cumulative sum:

        y[n] = pole^n · (pole·y[−1] + Σ_(i≤n) pole^(−i)·x[i]),

    in pieces of at most MAX_CHUNK samples so pole^(−i) stays moderate (float64 throughout).
    """

    def __init__(self, pole: float) -> None:
        self.pole = float(pole)
        i = np.arange(MAX_CHUNK, dtype=np.float64)
        self._down, self._up = self.pole ** i, self.pole ** (-i)
        self.state = 0.0  # y[−1]

    def run(self, x: np.ndarray) -> np.ndarray:
        """Filter float64 ``x`` (any length); returns float64."""
        return in_blocks(self._run, x, MAX_CHUNK)

    def _run(self, x: np.ndarray) -> np.ndarray:
        n = x.size
        if not n:
            return x.astype(np.float64)
        y = self._down[:n] * (self.pole * self.state + np.cumsum(self._up[:n] * x))
        self.state = float(y[-1])
        if not np.isfinite(self.state):
            self.state = 0.0  # a NaN must not jam the filter
        return y
