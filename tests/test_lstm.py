"""LSTM engine: the output is bit-identical however the signal is cut into blocks.

The cell keeps its state on two alternating pages and pads an odd hidden size to even
(nam_web.models.lstm._Cell); block lengths of either parity, blocks longer than the engine's
chunk, ``reset`` after an odd block and the fast tanh option must all leave the output unchanged.
"""

from __future__ import annotations

import numpy as np
import pytest
from nam_web import models, namfile
from nam_web.models.base import EngineOptions
from nam_web.models.lstm import MAX_CHUNK

RNG = np.random.default_rng(20251125)


def lstm_document(hidden: int, layers: int) -> namfile.NamDocument:
    """Random weights in NAM's order (per layer W, b, h₀, c₀; then the head)."""
    count = sum(4 * hidden * ((1 if k == 0 else hidden) + hidden) + 6 * hidden for k in range(layers))
    weights = RNG.normal(0.0, 0.4, count + hidden + 1)
    config = {"input_size": 1, "hidden_size": hidden, "num_layers": layers}
    return namfile.NamDocument("0.5.4", "LSTM", config, weights, 48000.0)


def block_sizes(total: int) -> list[int]:
    """Random block lengths 1..4096 (half of them short, odd and even) that add up to ``total``."""
    sizes: list[int] = []
    while sum(sizes) < total:
        short = RNG.random() < 0.5
        sizes.append(int(RNG.choice([1, 2, 3, 64, 127]) if short else RNG.integers(1, 4097)))
    sizes[-1] -= sum(sizes) - total
    return sizes


@pytest.mark.parametrize(("hidden", "layers", "fast_tanh"), [(24, 1, False), (5, 2, False), (3, 1, True)])
def test_output_is_bit_identical_however_the_input_is_cut(hidden: int, layers: int, fast_tanh: bool) -> None:
    doc = lstm_document(hidden, layers)
    options = EngineOptions(fast_tanh=fast_tanh)
    x = (0.3 * RNG.standard_normal(3 * MAX_CHUNK + 7)).astype(np.float32)
    whole = models.build(doc, options).process(x)  # longer than a chunk: cut inside the engine
    engine = models.build(doc, options)
    parts, start = [], 0
    for n in block_sizes(x.size):
        parts.append(engine.process(x[start:start + n]))
        start += n
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    engine.process(x[:3])  # end on an odd block
    engine.reset()
    np.testing.assert_array_equal(engine.process(x[:999]), whole[:999])
