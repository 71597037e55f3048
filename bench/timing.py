"""Realtime factor of a streaming engine: seconds of audio processed per CPU-second of compute.

CPU time of this process (not wall time), so other work on a shared machine does not count
against the engine (keep BLAS to one thread: OPENBLAS_NUM_THREADS=1). Shared by the CPython
benchmark and the one inside Pyodide (``pyodide_run.mjs`` copies this
file into Pyodide's file system), so both measure the same way: warm up (V8 needs about a second
before wasm runs at full speed), then the median of several timed runs over the same noise.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import numpy as np


def cpu_seconds() -> float:
    """CPU time of this process (s); under Pyodide from Node's ``process.cpuUsage()``."""
    if sys.platform == "emscripten":
        from js import process  # Node

        usage = process.cpuUsage()
        return (usage.user + usage.system) / 1e6
    return time.process_time()


def realtime_factor(
    process: Callable[[np.ndarray], np.ndarray],
    block: int,
    sample_rate: float = 48000.0,
    audio_seconds: float = 0.5,
    runs: int = 5,
    warmup_seconds: float = 0.3,
) -> float:
    """Median realtime factor of ``process`` fed ``block``-sample float32 blocks of noise (−20 dBFS)."""
    rng = np.random.default_rng(0)
    n_blocks = max(1, round(audio_seconds * sample_rate / block))
    blocks = [(0.1 * rng.standard_normal(block)).astype(np.float32) for _ in range(min(n_blocks, 64))]
    deadline = cpu_seconds() + warmup_seconds
    i = 0
    while cpu_seconds() < deadline or i < 4:
        process(blocks[i % len(blocks)])
        i += 1
    factors = []
    for _ in range(runs):
        start = cpu_seconds()
        for j in range(n_blocks):
            process(blocks[j % len(blocks)])
        factors.append(n_blocks * block / sample_rate / max(cpu_seconds() - start, 1e-9))
    return statistics.median(factors)
