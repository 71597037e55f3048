"""What every stage of the chain is: a streaming mono float32 processor, plus shared helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np

MAX_CHUNK = 256
"""Longest piece (samples) a block-matrix stage works on at once; longer blocks are split."""


@runtime_checkable
class Processor(Protocol):
    """A streaming effect: ``process`` any number of samples, state carried between calls."""

    latency: int
    """Samples of delay the stage adds (0 for most)."""

    def process(self, x: np.ndarray) -> np.ndarray:
        """Run one mono block (float32, any length ≥ 0) and return as many samples (float32)."""
        ...

    def reset(self) -> None:
        """Forget all history, as if the input had always been silent."""
        ...


def as_block(x: np.ndarray) -> np.ndarray:
    """``x`` as a contiguous 1-D float32 array (no copy, and no NumPy call, when it already is one)."""
    if type(x) is np.ndarray and x.dtype == np.float32 and x.ndim == 1 and x.flags.c_contiguous:
        return x
    return np.ascontiguousarray(x, dtype=np.float32).reshape(-1)


def db_to_gain(db: float) -> float:
    """Amplitude gain for ``db`` decibels (20·log10 convention)."""
    return float(10.0 ** (db / 20.0))


def chunks(n: int, size: int = MAX_CHUNK) -> list[tuple[int, int]]:
    """``(start, stop)`` pairs cutting ``n`` samples into pieces of at most ``size``."""
    return [(start, min(start + size, n)) for start in range(0, n, size)]


def in_blocks(process: Callable[[np.ndarray], np.ndarray], x: np.ndarray, size: int) -> np.ndarray:
    """``process`` run over ``x`` in consecutive blocks of ``size`` samples, the outputs joined.

    An ``x`` of at most ``size`` samples is one block, and its output is returned as it is.
    """
    if x.size <= size:
        return process(x)
    return np.concatenate([process(x[start:stop]) for start, stop in chunks(x.size, size)])
