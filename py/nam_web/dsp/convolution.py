"""Zero-latency FIR convolution for long filters (cabinet IRs): direct head + uniformly partitioned FFT tail.

The filter h is cut into partitions of P samples. The first (h[0:P]) is convolved directly, so
output sample t uses input up to t and nothing waits. The rest run as uniformly partitioned
overlap-save: every time P input samples are complete, their 2P-point spectrum X_j enters a
frequency-domain delay line and the tail's contribution to the *next* P outputs,
Σ_k X_(j−k)·H_(k+1), is computed with one product-sum over all partitions and one inverse FFT.
Any block length works; the cost per P samples is two real FFTs of 2P points and (len/P)·(P+1)
complex multiply-adds.
"""

from __future__ import annotations

import numpy as np

from nam_web.dsp.base import as_block

PARTITION = 128
"""Default partition size P (samples), the browser's block."""


class PartitionedConvolver:
    """y = h ∗ x, streaming, no latency. ``h`` is float (any length ≥ 1).

    A block of exactly P samples that starts a partition (the browser's steady state) takes the
    fast path: the head is applied in the frequency domain too, so the whole block costs one
    forward FFT, one inverse FFT and one product-sum.
    """

    latency = 0

    def __init__(self, h: np.ndarray, partition: int = PARTITION) -> None:
        h = np.asarray(h, dtype=np.float64).reshape(-1)
        if h.size == 0:
            raise ValueError("an impulse response needs at least one sample")
        p = self.partition = int(partition)
        self.head = h[:p].copy()
        self.head_spectrum = np.fft.rfft(self.head, 2 * p)
        tail = h[p:]
        self.parts = -(-tail.size // p)
        if self.parts:
            flat = np.zeros(self.parts * p)
            flat[: tail.size] = tail
            spectra = np.fft.rfft(flat.reshape(self.parts, p), 2 * p, axis=1)
            # Ring order: with the newest spectrum at slot r, slot i meets partition (r − i) mod K.
            reverse = spectra[(-np.arange(self.parts)) % self.parts]
            self._spectra2 = np.concatenate((reverse, reverse))
        self.reset()

    def reset(self) -> None:
        p = self.partition
        self.history = np.zeros(self.head.size - 1)  # inputs the direct head still needs
        self.previous = np.zeros(p)  # last complete input partition
        self.current = np.zeros(p)  # the one being filled
        self.fill = 0
        self.tail_spectrum = np.zeros(p + 1, dtype=complex)  # the tail's part of this partition's output
        self.tail_out: np.ndarray | None = None  # the same in time (computed when a partial block needs it)
        if self.parts:
            self.delay_line = np.zeros((self.parts, p + 1), dtype=complex)
            self.newest = 0

    def process(self, x: np.ndarray) -> np.ndarray:
        x = as_block(x)
        p = self.partition
        if self.fill == 0 and x.size == p:
            block = x.astype(np.float64)
            spectrum = np.fft.rfft(np.concatenate((self.previous, block)))
            y = np.fft.irfft(spectrum * self.head_spectrum + self.tail_spectrum, 2 * p)[p:]
            if self.history.size:
                self.history = block[p - self.history.size:]
            self._partition_complete(spectrum, block)
            return y.astype(np.float32)
        if x.size == 0:
            return x.copy()
        window = np.concatenate((self.history, x))
        y = np.convolve(window, self.head, mode="valid") if self.head.size > 1 else window * self.head[0]
        if self.history.size:
            self.history = window[window.size - self.history.size:]
        done = 0
        while done < x.size:
            take = min(p - self.fill, x.size - done)
            if self.tail_out is None:
                self.tail_out = np.fft.irfft(self.tail_spectrum, 2 * p)[p:]
            y[done:done + take] += self.tail_out[self.fill:self.fill + take]
            self.current[self.fill:self.fill + take] = x[done:done + take]
            self.fill += take
            done += take
            if self.fill == p:
                block = self.current.copy()
                self._partition_complete(np.fft.rfft(np.concatenate((self.previous, block))), block)
        return y.astype(np.float32)

    def _partition_complete(self, spectrum: np.ndarray, block: np.ndarray) -> None:
        """``block`` (P samples, spectrum of [previous, block]) is in: prepare the next partition's tail."""
        if self.parts:
            k = self.parts
            self.newest = (self.newest + 1) % k
            self.delay_line[self.newest] = spectrum
            start = (-self.newest) % k
            self.tail_spectrum = np.einsum("kf,kf->f", self.delay_line, self._spectra2[start:start + k])
        self.previous = block
        self.fill = 0
        self.tail_out = None
