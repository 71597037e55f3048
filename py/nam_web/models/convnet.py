"""ConvNet: a stack of dilated two-tap convolutions, each followed by batch norm (optional) and
an activation, then a 1×1 head.

Block k with dilation d maps u (channels × time) to
``activation(BN(W₀·u[t−d] + W₁·u[t] + b))``; the output is ``y_t = w_head · u_last[t] + b_head``.
Receptive field: 1 + Σ dilations samples (NAM Core prewarms that many).

Weight order (the trainer's export, NeuralAmpModelerCore's reader), per block: conv weight
(out × in × 2 taps, row-major), then either the conv bias (out) or, with batch norm,
running mean, running variance, weight, bias (out each) and ε; finally the head weight
(out_channels × channels) and head bias (out_channels).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from nam_web.errors import NamFileError
from nam_web.models import register
from nam_web.models.activations import Activation
from nam_web.models.base import EngineOptions, Model, ModelConfig, WeightLayout, split_weights
from nam_web.namfile import require

MAX_CHANNELS = 1024
MAX_BLOCKS = 64
MAX_DILATION = 1 << 16
KERNEL = 2


@dataclass(frozen=True)
class ConvNetConfig(ModelConfig):
    architecture = "ConvNet"
    channels: int
    dilations: tuple[int, ...]
    batchnorm: bool
    activation: Activation
    out_channels: int = 1

    @classmethod
    def from_json(cls, config: dict[str, Any], at: str = "$.config") -> ConvNetConfig:
        channels = require(config, "channels", int, at)
        if not 1 <= channels <= MAX_CHANNELS:
            raise NamFileError(f"channels {channels} is outside 1..{MAX_CHANNELS}", f"{at}.channels")
        dilations = require(config, "dilations", list, at)
        if not 1 <= len(dilations) <= MAX_BLOCKS:
            raise NamFileError(f"{len(dilations)} dilations; a ConvNet has 1..{MAX_BLOCKS} blocks",
                               f"{at}.dilations")
        for i, d in enumerate(dilations):
            if isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= MAX_DILATION:
                raise NamFileError(f"dilation must be an integer in 1..{MAX_DILATION}, got {d!r}",
                                   f"{at}.dilations[{i}]")
        batchnorm = require(config, "batchnorm", bool, at)
        activation = Activation.from_json(require(config, "activation", (str, dict), at), f"{at}.activation")
        for key in ("in_channels", "groups"):
            value = config.get(key, 1)
            if value != 1 or isinstance(value, bool):
                # groups must divide the first block's single input channel, as in NAM Core
                raise NamFileError(f"{key} must be 1 for a mono ConvNet, got {value!r}", f"{at}.{key}")
        out_channels = config.get("out_channels", 1)
        if isinstance(out_channels, bool) or not isinstance(out_channels, int) or not 1 <= out_channels <= 64:
            raise NamFileError(f"out_channels must be an integer in 1..64, got {out_channels!r}",
                               f"{at}.out_channels")
        return cls(channels, tuple(dilations), batchnorm, activation, out_channels)

    def block_inputs(self, block: int) -> int:
        return 1 if block == 0 else self.channels

    def block_name(self, block: int) -> str:
        return f"block{block} (dilation {self.dilations[block]})"

    def weight_layout(self) -> WeightLayout:
        """Per block: conv (out × in × 2 taps), then its bias or batch norm (mean, var, weight, bias, ε)."""
        c, layout = self.channels, []
        for k in range(len(self.dilations)):
            p = self.block_name(k)
            layout.append((f"{p}.conv", (c, self.block_inputs(k), KERNEL)))
            if self.batchnorm:
                layout += [(f"{p}.bn_running_mean", (c,)), (f"{p}.bn_running_var", (c,)),
                           (f"{p}.bn_weight", (c,)), (f"{p}.bn_bias", (c,)), (f"{p}.bn_eps", (1,))]
            else:
                layout.append((f"{p}.conv_bias", (c,)))
        return [*layout, ("head.weight", (self.out_channels, c)), ("head.bias", (self.out_channels,))]

    @property
    def receptive_field(self) -> int:
        return 1 + sum(self.dilations)

    def macs_per_sample(self) -> int:
        c = self.channels
        convs = sum(KERNEL * c * self.block_inputs(k) for k in range(len(self.dilations)))
        return convs + self.out_channels * c

    def summary(self) -> dict[str, Any]:
        return {"channels": self.channels, "dilations": list(self.dilations), "batchnorm": self.batchnorm,
                "activation": self.activation.name}


class _Block:
    """One dilated conv block; keeps the last ``dilation`` input frames between calls."""

    def __init__(self, taps: np.ndarray, scale: np.ndarray | None, shift: np.ndarray, dilation: int,
                 activation: Callable[[np.ndarray], None]) -> None:
        # [W₀ W₁] (out × 2·in), applied to [u[t−d]; u[t]]
        self.w = np.concatenate((taps[:, :, 0], taps[:, :, 1]), axis=1).astype(np.float32)
        self.scale = None if scale is None else scale.astype(np.float32)[:, None]
        self.shift = shift.astype(np.float32)[:, None]
        self.dilation = dilation
        self.activation = activation
        self.history = np.zeros((taps.shape[1], dilation), dtype=np.float32)

    def __call__(self, u: np.ndarray) -> np.ndarray:
        n, d = u.shape[1], self.dilation
        window = np.concatenate((self.history, u), axis=1)  # channels × (d + n)
        stacked = np.concatenate((window[:, :n], window[:, d:]), axis=0)  # [u[t−d]; u[t]]
        y = self.w @ stacked
        if self.scale is not None:
            y *= self.scale
        y += self.shift
        self.activation(y)
        self.history[:] = window[:, n:]
        return y


class ConvNet(Model):
    """Streaming ConvNet: each block keeps its own input history, so any block size gives the same output."""

    def __init__(self, config: ConvNetConfig, weights: np.ndarray, sample_rate: float | None,
                 options: EngineOptions) -> None:
        self.config = config
        self.sample_rate = sample_rate
        act = config.activation.function(options.fast_tanh)
        w = split_weights(config.weight_layout(), weights)
        self.blocks = []
        for k, dilation in enumerate(config.dilations):
            p = config.block_name(k)
            if config.batchnorm:
                mean, var, gamma, beta = (w[f"{p}.bn_{n}"].astype(np.float32)
                                          for n in ("running_mean", "running_var", "weight", "bias"))
                eps = np.float32(w[f"{p}.bn_eps"][0])
                scale = gamma / np.sqrt(eps + var)  # batch norm at inference: an affine map per channel
                shift = beta - scale * mean
            else:
                scale, shift = None, w[f"{p}.conv_bias"]
            self.blocks.append(_Block(w[f"{p}.conv"], scale, shift, dilation, act))
        self.head_w = w["head.weight"][0].astype(np.float32)  # output channel 0
        self.head_b = np.float32(w["head.bias"][0])

    @property
    def prewarm_samples(self) -> int:
        return self.config.receptive_field

    def reset(self) -> None:
        for block in self.blocks:
            block.history[:] = 0.0

    def process(self, x: np.ndarray) -> np.ndarray:
        u = np.asarray(x, dtype=np.float32).reshape(1, -1)
        for block in self.blocks:
            u = block(u)
        return self.head_w @ u + self.head_b


register(ConvNetConfig, ConvNet)
