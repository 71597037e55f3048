"""Recursive linear filters run a whole block at a time (no per-sample Python loop).

A filter in state-space form, s[n+1] = A·s[n] + B·x[n], y[n] = C·s[n] + D·x[n], maps a block
x[0..N) and the state s to the block's output and the next state with one matrix product:

    [y ; s'] = M_N · [x ; s],   M_N = [[T, O], [R, A^N]]

where T[k, i] = h[k − i] holds the impulse response (h[0] = D, h[j] = C·A^(j−1)·B), O[k] = C·A^k
and R[:, i] = A^(N−1−i)·B. That is one NumPy call per block, which is what Pyodide (no BLAS,
microseconds per call) needs. Biquads use the transposed direct form II state, so a coefficient
change between blocks keeps a meaningful state and a filter with b = a has zero state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nam_web.dsp.base import MAX_CHUNK, as_block, chunks


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

    def state_space(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """(A, B, C, D) in transposed direct form II:
        y = b0·x + s1, s1' = b1·x − a1·y + s2, s2' = b2·x − a2·y."""
        a = np.array([[-self.a1, 1.0], [-self.a2, 0.0]])
        b = np.array([self.b1 - self.a1 * self.b0, self.b2 - self.a2 * self.b0])
        c = np.array([1.0, 0.0])
        return a, b, c, self.b0


def cascade(sections: list[tuple[np.ndarray, np.ndarray, np.ndarray, float]]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """State-space form of filters in series (first section first)."""
    a, b, c, d = sections[0]
    for a2, b2, c2, d2 in sections[1:]:
        n1, n2 = a.shape[0], a2.shape[0]
        top = np.hstack((a, np.zeros((n1, n2))))
        bottom = np.hstack((np.outer(b2, c), a2))
        a, b = np.vstack((top, bottom)), np.concatenate((b, b2 * d))
        c, d = np.concatenate((d2 * c, c2)), d2 * d
    return a, b, c, d


@dataclass(frozen=True)
class BlockResponse:
    """How one block of n samples moves through the filter: impulse response h (n), state → output
    ``observe`` (n × order), input → next state ``reach`` (order × n) and ``advance`` = A^n."""

    h: np.ndarray
    observe: np.ndarray
    reach: np.ndarray
    advance: np.ndarray

    @classmethod
    def of(cls, a: np.ndarray, b: np.ndarray, c: np.ndarray, d: float, n: int) -> BlockResponse:
        order = a.shape[0]
        powers = np.eye(order)[None]  # A^0 .. A^(len−1), grown by doubling
        while powers.shape[0] < n + 1:
            step = powers[-1] @ a  # A^len
            powers = np.concatenate((powers, powers @ step))
        observe = np.einsum("j,kjl->kl", c, powers[:n])  # C·A^k
        h = np.concatenate(([d], observe[: n - 1] @ b))
        return cls(h, observe, (powers[:n] @ b)[::-1].T, powers[n])

    def matrix(self) -> np.ndarray:
        """M_N (see the module docstring): maps [x (n); state] to [y (n); next state]."""
        n, order = self.h.size, self.advance.shape[0]
        k = np.arange(n)
        lag = k[:, None] - k[None, :]
        out = np.empty((n + order, n + order))
        out[:n, :n] = np.concatenate((self.h, [0.0]))[np.where(lag >= 0, lag, n)]
        out[:n, n:] = self.observe
        out[n:, :n] = self.reach
        out[n:, n:] = self.advance
        return out


class StateSpaceFilter:
    """Streams a linear filter given as (A, B, C, D), a block matrix per block length (cached)."""

    latency = 0

    def __init__(self, system: tuple[np.ndarray, np.ndarray, np.ndarray, float]) -> None:
        self.state = np.zeros(system[0].shape[0])
        self.set_system(system)

    def set_system(self, system: tuple[np.ndarray, np.ndarray, np.ndarray, float], *,
                   passing: bool = False) -> None:
        """New coefficients from the next sample on; the state (same order) is kept.

        ``passing``: they will serve one block only (a glide step), so skip the block matrix.
        """
        if system[0].shape[0] != self.state.size:
            raise ValueError("a filter's order cannot change while it runs")
        self.system = system
        self.passing = passing
        self._matrices: dict[int, np.ndarray] = {}

    def reset(self) -> None:
        self.state[:] = 0.0

    def _matrix(self, n: int) -> np.ndarray:
        m = self._matrices.get(n)
        if m is None:
            if len(self._matrices) > 8:
                self._matrices.clear()
            m = self._matrices[n] = BlockResponse.of(*self.system, n).matrix()
        return m

    def process64(self, x: np.ndarray) -> np.ndarray:
        """Filter ``x`` and return float64 (for detectors that need the precision)."""
        y = np.empty(x.size)
        for start, stop in chunks(x.size, MAX_CHUNK):
            n, block = stop - start, x[start:stop]
            if self.passing:
                r = BlockResponse.of(*self.system, n)
                y[start:stop] = np.convolve(block, r.h)[:n] + r.observe @ self.state
                self.state = r.advance @ self.state + r.reach @ block
            else:
                out = self._matrix(n) @ np.concatenate((block, self.state))
                y[start:stop] = out[:n]
                self.state = out[n:]
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
        if x.size <= MAX_CHUNK:
            return self._run(x)
        return np.concatenate([self._run(x[start:stop]) for start, stop in chunks(x.size, MAX_CHUNK)])

    def _run(self, x: np.ndarray) -> np.ndarray:
        n = x.size
        if not n:
            return x.astype(np.float64)
        y = self._down[:n] * (self.pole * self.state + np.cumsum(self._up[:n] * x))
        self.state = float(y[-1])
        if not np.isfinite(self.state):
            self.state = 0.0  # a NaN must not jam the filter
        return y
