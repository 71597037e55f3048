"""How much of the real-time budget a model's engine uses here, per audio block size.

Run inside the page's worker this measures *this* browser; from the CLI, this machine.
A load of 1.0 means one block takes exactly as long to compute as it lasts; above 1 it drops out.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from nam_web.errors import NamWebError
from nam_web.models.base import Model

BLOCK_SIZES = (64, 128, 256, 512, 1024, 2048)

MAX_MACS_PER_SAMPLE = 200_000
"""Models costlier than this (15× a standard WaveNet, which a browser barely runs in real time) are
not timed: one block would take seconds and the answer is "no" anyway."""


def _run_for(engine: Model, x: np.ndarray, seconds: float) -> tuple[int, float]:
    """Process ``x`` repeatedly for at least ``seconds``; (blocks done, seconds taken)."""
    done, start = 0, time.perf_counter()
    while True:
        engine.process(x)
        done += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done, elapsed


def cpu_load(engine: Model, sample_rate: float, block_sizes: Sequence[int] = BLOCK_SIZES,
             seconds: float = 0.15, warmup_seconds: float = 0.4) -> dict[int, float]:
    """``{block size (samples): compute time / block duration}``, timing about ``seconds`` per size.

    The engine is fed quiet noise (−20 dBFS RMS) after ``warmup_seconds`` of the same (a browser's
    JIT runs early calls slowly), and prewarmed again afterwards.
    """
    macs = engine.config.macs_per_sample()
    if macs > MAX_MACS_PER_SAMPLE:
        raise NamWebError(f"not timed: {macs:,} multiply-adds per sample is far beyond real time here "
                          f"(a standard WaveNet needs about 13,000)")
    noise = np.random.default_rng(0).standard_normal(max(block_sizes)).astype(np.float32) * 0.1
    _run_for(engine, noise[:512], warmup_seconds)
    loads = {}
    for block in block_sizes:
        done, elapsed = _run_for(engine, noise[:block], seconds)
        loads[block] = elapsed / (done * block / sample_rate)
    engine.prewarm()
    return loads
