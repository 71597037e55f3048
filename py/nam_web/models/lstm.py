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
(each costs about 1 µs inside Pyodide): σ(x) is computed as ½·(1 + tanh(x/2)) with the ½ folded
into the i, f, o rows of W, so one tanh call covers all four gates; the input and the bias ride
in the same matrix–vector product as h; every intermediate lives in a preallocated buffer; and
layers and the head run over the whole block (layer k+1 only needs layer k's outputs).
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
    """One LSTM layer, laid out for seven NumPy calls per sample.

    Row t of ``rows`` is ``[x_t, 2·h_{t−1}, 1]``; one product ``z = rows[t] · A`` gives the gate
    pre-activations in the order g, f, i, o (f, i, o scaled by ½, so σ = ½·(1 + tanh)), and the step
    writes 2·h_t straight into row t+1. With ``state = [c, tanh g, tanh f, tanh i, tanh o]`` and
    ``p = 1 + tanh [f, i, o] = 2σ``: ``q = [c, tanh g]·p[f, i]`` is one call and
    ``c = ½·(q₁ + q₂)`` one small dot; ``2·h = p_o·tanh c``. The factor 2 on h is folded into the
    weights that read it (here the h rows of A; the next layer's x rows or the head, through
    ``input_scale``). Row 0 carries the last hidden state of the previous block.
    """

    def __init__(
        self, w: np.ndarray, b: np.ndarray, h0: np.ndarray, c0: np.ndarray, input_scale: float = 1.0
    ) -> None:
        hidden = b.size // 4
        inputs = w.shape[1] - hidden
        i, f, g, o = (slice(k * hidden, (k + 1) * hidden) for k in range(4))
        order = np.r_[g, f, i, o]
        scale = np.concatenate((np.ones(hidden), np.full(3 * hidden, 0.5)))
        gates = np.hstack((w[order], b[order, None])) * scale[:, None]
        gates[:, :inputs] *= input_scale
        gates[:, inputs:-1] *= 0.5  # the rows hold 2·h
        self.a = np.ascontiguousarray(gates.T, dtype=np.float32)  # (inputs + H + 1) × 4H
        self.hidden, self.inputs = hidden, inputs
        self.h0, self.c0 = (2.0 * h0).astype(np.float32), c0.astype(np.float32)
        self.z = np.zeros(4 * hidden, dtype=np.float32)
        self.state = np.zeros(5 * hidden, dtype=np.float32)
        self.p = np.zeros(3 * hidden, dtype=np.float32)
        self.q = np.zeros((2, hidden), dtype=np.float32)
        self.tanh_c = np.zeros(hidden, dtype=np.float32)
        self.one = np.array(1.0, dtype=np.float32)
        self.halves = np.full(2, 0.5, dtype=np.float32)
        self._allocate(PREWARM_BLOCK)
        self.reset()

    def _allocate(self, frames: int) -> None:
        """Room for blocks of up to ``frames`` samples; keeps the current hidden state."""
        old = getattr(self, "rows", None)
        self.rows = np.ones((frames + 1, self.inputs + self.hidden + 1), dtype=np.float32)
        self.rows[0, self.inputs:-1] = self.h0 if old is None else old[0, self.inputs:-1]
        self.row_views = list(self.rows)
        self.h_views = [row[self.inputs:-1] for row in self.rows]

    def reset(self) -> None:
        self.rows[0, self.inputs:-1] = self.h0
        self.state[: self.hidden] = self.c0

    def run(self, x: np.ndarray, tanh: Callable[..., Any]) -> np.ndarray:
        """Step through the rows of ``x`` (frames × inputs); return 2·h_t for each (a view, frames × H)."""
        n, hidden = x.shape[0], self.hidden
        if n + 1 > self.rows.shape[0]:
            self._allocate(n)
        rows = self.rows
        rows[:n, : self.inputs] = x
        z, state, p, q, tanh_c, one = self.z, self.state, self.p, self.q, self.tanh_c, self.one
        t_gates, t_fio, c_g = state[hidden:], state[2 * hidden:], state[: 2 * hidden]
        p_fi, p_o, c = p[: 2 * hidden], p[2 * hidden:], state[:hidden]
        q_flat, halves, a, multiply, add = q.reshape(-1), self.halves, self.a, np.multiply, np.add
        # Positional ``out`` arguments: measurably cheaper than keywords at this size.
        for row, h_next in zip(self.row_views[:n], self.h_views[1:n + 1], strict=True):
            row.dot(a, z)
            tanh(z, t_gates)
            add(t_fio, one, p)
            multiply(c_g, p_fi, q_flat)
            halves.dot(q, c)
            tanh(c, tanh_c)
            multiply(p_o, tanh_c, h_next)
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
        return x @ self.head_w + self.head_b


register(LSTMConfig, LSTM)
