"""LSTM: stacked long short-term memory cells and a linear head, run one sample at a time.

Per layer, with input x_t, hidden state h and cell state c (PyTorch's gate order i, f, g, o)::

    [i, f, g, o] = W · [x_t; h] + b
    c ← σ(f)·c + σ(i)·tanh(g)
    h ← σ(o)·tanh(c)

and the output is ``y_t = w_head · h_last + b_head``. The initial h and c of every layer are
weights of the file (the trainer learns them); :meth:`LSTM.reset` returns to them.

Weight order (as NeuralAmpModelerCore reads it): per layer W (4H × (I+H), row-major), b (4H),
h₀ (H), c₀ (H); then the head weights (out × H, row-major) and head biases (out).

The recurrence cannot be vectorised over time, so the engine minimises NumPy calls per sample
(each costs about 0.6 µs inside Pyodide, plus a few ns per output element): six per layer (see
:class:`_Cell`). σ(x) is computed as ½·(1 + tanh(x/2)) with the ½ folded into the i, f, o rows
of W, so one tanh call covers all four gates; the input and the bias ride in the same
matrix–vector product as h; the constants of the cell update ride in one small matrix product;
every intermediate lives in a preallocated buffer; and layers and the head run over the whole
block (layer k+1 only needs layer k's outputs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from nam_web.errors import NamFileError
from nam_web.models import register
from nam_web.models.activations import fast_tanh
from nam_web.models.base import PREWARM_BLOCK, EngineOptions, Model, ModelConfig, WeightLayout, split_weights
from nam_web.namfile import require

MAX_HIDDEN = 1024
MAX_LAYERS = 64
MAX_CHUNK = 4096
"""Longest stretch (samples) run at once; longer inputs are cut (the output does not change)."""
PREWARM_SECONDS = 0.5
"""NAM Core settles an LSTM on half a second of silence (one sample when the rate is unknown)."""


@dataclass(frozen=True)
class LSTMConfig(ModelConfig):
    architecture = "LSTM"
    input_size: int
    hidden_size: int
    num_layers: int
    out_channels: int = 1

    @classmethod
    def from_json(cls, config: dict[str, Any], at: str = "$.config") -> LSTMConfig:
        input_size = require(config, "input_size", int, at)
        hidden_size = require(config, "hidden_size", int, at)
        num_layers = require(config, "num_layers", int, at)
        in_channels = config.get("in_channels", 1)
        out_channels = config.get("out_channels", 1)
        if in_channels != 1:
            raise NamFileError(f"in_channels must be 1 (mono guitar in), got {in_channels!r}",
                               f"{at}.in_channels")
        if input_size != 1:
            raise NamFileError(f"input_size must be 1 (mono guitar in), got {input_size}", f"{at}.input_size")
        if not 1 <= hidden_size <= MAX_HIDDEN:
            raise NamFileError(f"hidden_size {hidden_size} is outside 1..{MAX_HIDDEN}", f"{at}.hidden_size")
        if not 1 <= num_layers <= MAX_LAYERS:
            raise NamFileError(f"num_layers {num_layers} is outside 1..{MAX_LAYERS}", f"{at}.num_layers")
        if isinstance(out_channels, bool) or not isinstance(out_channels, int) or not 1 <= out_channels <= 64:
            raise NamFileError(f"out_channels must be an integer in 1..64, got {out_channels!r}",
                               f"{at}.out_channels")
        return cls(input_size, hidden_size, num_layers, out_channels)

    def weight_layout(self) -> WeightLayout:
        """Per layer: W (4H × (in+H), gates i f g o), b (4H), initial h and c (H each); then the head."""
        h, layout = self.hidden_size, []
        for k in range(self.num_layers):
            inputs = self.input_size if k == 0 else h
            layout += [(f"lstm{k}.weight", (4 * h, inputs + h)), (f"lstm{k}.bias", (4 * h,)),
                       (f"lstm{k}.initial_hidden", (h,)), (f"lstm{k}.initial_cell", (h,))]
        return [*layout, ("head.weight", (self.out_channels, h)), ("head.bias", (self.out_channels,))]

    @property
    def receptive_field(self) -> int:
        return 1  # recurrent: unbounded memory, but each step reads one new input sample

    def macs_per_sample(self) -> int:
        h = self.hidden_size
        cells = sum(4 * h * ((self.input_size if k == 0 else h) + h) for k in range(self.num_layers))
        return cells + self.out_channels * h

    def summary(self) -> dict[str, Any]:
        return {"hidden_size": self.hidden_size, "num_layers": self.num_layers}


class _Cell:
    """One LSTM layer, laid out for six NumPy calls per sample.

    Row t of ``rows`` is ``[x_t, 2·h_{t−1}, 1]``; one product ``z = rows[t] · A`` gives the gate
    pre-activations in the order g, f, i, o (f, i, o scaled by ½, so σ = ½·(1 + tanh)), and the step
    writes 2·h_t straight into row t+1. The factor 2 on h is folded into the weights that read it
    (here the h rows of A; the next layer's x rows or the head, through ``input_scale``).

    The cell state lives on a page of rows ``[c, tanh g, tanh f, tanh i, tanh o, 1]``; step t reads
    page t mod 2 and writes the other, so no product overwrites its own input. With 2σ = 1 + tanh,
    ``c ← σ(f)·c + σ(i)·tanh g = ½·(c + tanh g + c·tanh f + tanh g·tanh i)``: one product turns
    the tanh f and tanh i rows into ``[c, tanh g]·[tanh f, tanh i]``, and one small matrix product
    ``MIX · page`` gives both the new c and ``1 + tanh o`` (= 2σ(o), through the row of ones). Then
    ``2·h = (1 + tanh o)·tanh c``. ``MIX · page`` runs on the page seen as complex numbers (two
    hidden units per element, MIX real, so the arithmetic is the same): NumPy's products cost per
    output element, and this halves them. For that the page width is H rounded up to even; a
    padding unit has zero weights and stays at zero. Row 0 of ``rows`` carries the last hidden
    state of the previous block, page 0 its cell state.
    """

    def __init__(
        self, w: np.ndarray, b: np.ndarray, h0: np.ndarray, c0: np.ndarray, input_scale: float = 1.0
    ) -> None:
        hidden = b.size // 4
        inputs = w.shape[1] - hidden
        width = hidden + hidden % 2
        i, f, g, o = (slice(k * hidden, (k + 1) * hidden) for k in range(4))
        order = np.r_[g, f, i, o]
        scale = np.concatenate((np.ones(hidden), np.full(3 * hidden, 0.5)))
        gates = np.hstack((w[order], b[order, None])) * scale[:, None]
        gates[:, :inputs] *= input_scale
        gates[:, inputs:-1] *= 0.5  # the rows hold 2·h
        padded = np.zeros((4, width, gates.shape[1]))
        padded[:, :hidden] = gates.reshape(4, hidden, -1)
        self.a = np.ascontiguousarray(padded.reshape(4 * width, -1).T, dtype=np.float32)  # (inputs+H+1) × 4W
        self.hidden, self.inputs = hidden, inputs
        self.h0, self.c0 = (2.0 * h0).astype(np.float32), c0.astype(np.float32)
        self.z = np.zeros(4 * width, dtype=np.float32)
        self.tanh_c = np.zeros(width, dtype=np.float32)
        self.pages = np.zeros((2, 6, width), dtype=np.float32)
        self.pages[:, 5] = 1.0
        self.mix = np.array([[0.5, 0.5, 0.5, 0.5, 0, 0], [0, 0, 0, 0, 1, 1]], dtype=np.complex64)
        self._allocate(PREWARM_BLOCK)
        self.reset()

    def _page_views(self, k: int) -> tuple[np.ndarray, ...]:
        """What a step reading page k uses: its tanh rows (g f i o, flat), [c, tanh g], [tanh f, tanh i]
        and the page as complex pairs; the other page's [c, 1 + tanh o] as complex pairs, c, 1 + tanh o."""
        page, other = self.pages[k], self.pages[1 - k]
        return (page[1:5].reshape(-1), page[0:2], page[2:4], page.view(np.complex64),
                other[0:2].view(np.complex64), other[0], other[1, : self.hidden])

    def _allocate(self, frames: int) -> None:
        """Room for blocks of up to ``frames`` samples; keeps the current hidden state."""
        old = getattr(self, "rows", None)
        self.rows = np.ones((frames + 1, self.inputs + self.hidden + 1), dtype=np.float32)
        self.rows[0, self.inputs:-1] = self.h0 if old is None else old[0, self.inputs:-1]
        pages = [self._page_views(0), self._page_views(1)]
        h_rows = [row[self.inputs:-1] for row in self.rows]
        self.steps = [(self.rows[t], *pages[t % 2], h_rows[t + 1]) for t in range(frames)]

    def reset(self) -> None:
        self.rows[0, self.inputs:-1] = self.h0
        self.pages[0, 0, : self.hidden] = self.c0

    def run(self, x: np.ndarray, tanh: Callable[..., Any]) -> np.ndarray:
        """Step through the rows of ``x`` (frames × inputs); return 2·h_t for each (a view, frames × H)."""
        n = x.shape[0]
        if n > len(self.steps):
            self._allocate(n)
        rows = self.rows
        rows[:n, : self.inputs] = x
        z, tanh_c, tanh_h, a, mix = self.z, self.tanh_c, self.tanh_c[: self.hidden], self.a, self.mix
        multiply = np.multiply
        # Positional ``out`` arguments: measurably cheaper than keywords at this size.
        for row, gates, c_g, f_i, page, c_p, c, p_o, h_next in self.steps[:n]:
            row.dot(a, z)
            tanh(z, gates)
            multiply(c_g, f_i, f_i)
            mix.dot(page, c_p)
            tanh(c, tanh_c)
            multiply(p_o, tanh_h, h_next)
        if n % 2:
            self.pages[0, 0] = self.pages[1, 0]
        hs = rows[1:n + 1, self.inputs:-1]
        rows[0, self.inputs:-1] = rows[n, self.inputs:-1]
        return hs


class LSTM(Model):
    """Streaming multi-layer LSTM; layers run one after the other over the whole block."""

    def __init__(self, config: LSTMConfig, weights: np.ndarray, sample_rate: float | None,
                 options: EngineOptions) -> None:
        self.config = config
        self.sample_rate = sample_rate
        self._tanh = fast_tanh if options.fast_tanh else np.tanh
        w = split_weights(config.weight_layout(), weights)
        cell = ("weight", "bias", "initial_hidden", "initial_cell")  # W, b, h₀, c₀
        # Each cell outputs 2·h (see _Cell): the next cell and the head read it at half weight.
        self.cells = [_Cell(*(w[f"lstm{k}.{n}"] for n in cell), input_scale=1.0 if k == 0 else 0.5)
                      for k in range(config.num_layers)]
        # Output channel 0 of the head (the one a mono player and NAM Core's render use).
        self.head_w = (0.5 * w["head.weight"][0]).astype(np.float32)
        self.head_b = np.float32(w["head.bias"][0])

    @property
    def prewarm_samples(self) -> int:
        if self.sample_rate is None:
            return 1
        return max(int(PREWARM_SECONDS * self.sample_rate), 1)

    def reset(self) -> None:
        for cell in self.cells:
            cell.reset()

    def process(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32).reshape(-1, 1)
        if x.shape[0] > MAX_CHUNK:  # bounded buffers for long inputs (a whole file at once)
            return np.concatenate([self.process(x[i:i + MAX_CHUNK]) for i in range(0, x.shape[0], MAX_CHUNK)])
        for cell in self.cells:
            x = cell.run(x, self._tanh)
        # One dot product per row (einsum), not a matrix product: BLAS's matrix-vector product sums
        # in an order that depends on the number of rows, and the output must not depend on the block.
        return np.einsum("ij,j->i", x, self.head_w) + self.head_b


register(LSTMConfig, LSTM)
