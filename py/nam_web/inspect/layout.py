"""Where each named weight tensor sits in a .nam file's flat ``weights`` list.

An engine's config may describe its own layout with ``weight_layout()``, returning
``[(name, shape), ...]`` in file order (plain tuples, so engines need not import this module).
For configs that do not (yet), the functions below derive it from the typed config, in
NeuralAmpModelerCore's ``set_weights_`` order (Linear, LSTM, ConvNet, WaveNet). A grouped
convolution's shape is ``(groups, out/groups, in/groups, kernel)``: exactly the numbers the file
stores. A layout that does not add up to the file's weight count is shown as one "weights" block.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nam_web import models
from nam_web.models.convnet import KERNEL, ConvNetConfig
from nam_web.models.linear import LinearConfig
from nam_web.models.lstm import LSTMConfig
from nam_web.models.wavenet_config import FILM_KEYS, LayerArrayConfig, WaveNetConfig
from nam_web.namfile import NamDocument

Layout = list[tuple[str, tuple[int, ...]]]


@dataclass(frozen=True)
class WeightBlock:
    """One named tensor: ``weights[offset : offset + size]`` reshaped to ``shape`` (row-major)."""

    name: str
    shape: tuple[int, ...]
    offset: int

    @property
    def size(self) -> int:
        return math.prod(self.shape)


def linear_layout(config: LinearConfig) -> Layout:
    return [("taps", (config.taps,))] + ([("bias", (1,))] if config.bias else [])


def lstm_layout(config: LSTMConfig) -> Layout:
    """Per layer: W (4H × (in+H), gates i f g o), b (4H), initial h and c (H each); then the head."""
    h, layout = config.hidden_size, []
    for i in range(config.num_layers):
        inputs = config.input_size if i == 0 else h
        layout += [(f"lstm{i}.weight", (4 * h, inputs + h)), (f"lstm{i}.bias", (4 * h,)),
                   (f"lstm{i}.initial_hidden", (h,)), (f"lstm{i}.initial_cell", (h,))]
    return [*layout, ("head.weight", (config.out_channels, h)), ("head.bias", (config.out_channels,))]


def convnet_layout(config: ConvNetConfig) -> Layout:
    """Per block: conv (out × in × 2 taps), then its bias or batch norm (mean, variance, weight, bias, ε)."""
    c, layout = config.channels, []
    for i, d in enumerate(config.dilations):
        p = f"block{i} (dilation {d})"
        layout.append((f"{p}.conv", (c, config.block_inputs(i), KERNEL)))
        if config.batchnorm:
            layout += [(f"{p}.bn_running_mean", (c,)), (f"{p}.bn_running_var", (c,)),
                       (f"{p}.bn_weight", (c,)), (f"{p}.bn_bias", (c,)), (f"{p}.bn_eps", (1,))]
        else:
            layout.append((f"{p}.conv_bias", (c,)))
    return [*layout, ("head.weight", (config.out_channels, c)), ("head.bias", (config.out_channels,))]


def _conv(name: str, cin: int, cout: int, kernel: int = 1, bias: bool = True, groups: int = 1) -> Layout:
    shape = (cout, cin, kernel) if kernel > 1 else (cout, cin)
    if groups > 1:
        shape = (groups, cout // groups, cin // groups, *shape[2:])
    return [(name, shape)] + ([(f"{name}_bias", (cout,))] if bias else [])


def _layer_array(p: str, a: LayerArrayConfig) -> Layout:
    c, b, cc = a.channels, a.bottleneck, a.condition_size
    layout = _conv(f"{p}.rechannel", a.input_size, c, bias=False)
    for i, (k, d) in enumerate(zip(a.kernel_sizes, a.dilations, strict=True)):
        q, g = f"{p}.layer{i} (dilation {d})", a.conv_out(i)
        layout += _conv(f"{q}.conv", c, g, k, True, a.groups_input)
        layout += _conv(f"{q}.input_mixin", cc, g, 1, False, a.groups_input_mixin)
        if a.layer1x1_active:
            layout += _conv(f"{q}.1x1", b, c, 1, True, a.layer1x1_groups)
        if a.head1x1_active:
            layout += _conv(f"{q}.head1x1", b, a.head1x1_out_channels, 1, True, a.head1x1_groups)
        for key in FILM_KEYS:
            film = getattr(a.films, key)
            if film.active:
                rows = (2 if film.shift else 1) * a.film_dim(key, i)
                layout += _conv(f"{q}.{key}", cc, rows, 1, True, film.groups)
    return layout + _conv(f"{p}.head_rechannel", a.skip_size, a.head_size, a.head_kernel_size, a.head_bias)


def wavenet_layout(config: WaveNetConfig) -> Layout:
    """Layer arrays (re-channel, per layer conv/mixin/1×1s/FiLMs, head re-channel), post head, head_scale."""
    layout = [t for i, a in enumerate(config.layer_arrays) for t in _layer_array(f"array{i}", a)]
    if config.post_head:
        for i, (cin, cout, k) in enumerate(config.post_head.conv_shapes()):
            layout += _conv(f"head.conv{i}", cin, cout, k)
    return [*layout, ("head_scale", (1,))]


_LAYOUTS: list[tuple[type, Callable[[Any], Layout]]] = [
    (LinearConfig, linear_layout), (LSTMConfig, lstm_layout), (ConvNetConfig, convnet_layout),
    (WaveNetConfig, wavenet_layout),
]


def weight_layout(doc: NamDocument, config: models.ModelConfig | None = None) -> list[WeightBlock]:
    """The named blocks covering ``doc.weights`` in file order (one "weights" block if unknown).

    ``config`` is the parsed config (parsed here when not given; raises NamFileError if invalid).
    """
    config = config or models.parse_config(doc)
    describe = getattr(config, "weight_layout", None)
    if describe is None:
        describe = next((lambda f=f: f(config) for t, f in _LAYOUTS if isinstance(config, t)), lambda: [])
    blocks, offset = [], 0
    for name, shape in describe():
        blocks.append(WeightBlock(name, tuple(int(n) for n in shape), offset))
        offset += blocks[-1].size
    if offset != doc.weights.size:
        return [WeightBlock("weights", (int(doc.weights.size),), 0)] if doc.weights.size else []
    return [b for b in blocks if b.size]
