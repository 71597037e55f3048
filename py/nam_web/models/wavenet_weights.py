"""A WaveNet's flat ``weights`` list, unpacked into named matrices (NAM Core's ``set_weights_`` order).

Order, per layer array: re-channel 1×1 (no bias); per layer: dilated conv (+bias), input mixin
(no bias), layer 1×1 (+bias, if active), head 1×1 (+bias, if active), then the active FiLMs in
:data:`~nam_web.models.wavenet_config.FILM_KEYS` order (each a 1×1 conv of the condition, +bias);
then the head re-channel conv (+bias if ``head_bias``). After all arrays: the post-stack head's
convs (+bias) and finally ``head_scale``.

A grouped convolution stores, for each group, its (out/groups × in/groups × kernel) block; here
every conv becomes a dense (out, in, kernel) array with zeros outside the diagonal blocks.
Slimming (``slice_channels_uniform``) keeps the leading rows/columns of each matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nam_web.models.wavenet_config import FILM_KEYS, LayerArrayConfig, WaveNetConfig, slim_bottleneck


@dataclass
class Conv:
    """Causal convolution: ``weight`` (out, in, kernel), tap kernel−1 = current sample; ``bias`` (out,)."""

    weight: np.ndarray
    bias: np.ndarray | None

    def sliced(self, rows: int, cols: int) -> Conv:
        return Conv(self.weight[:rows, :cols], None if self.bias is None else self.bias[:rows])


@dataclass
class LayerWeights:
    conv: Conv
    mixin: Conv
    layer1x1: Conv | None
    head1x1: Conv | None
    films: dict[str, Conv] = field(default_factory=dict)
    """Active FiLMs by position: a 1×1 conv condition → [scale; shift] (or just scale)."""


@dataclass
class LayerArrayWeights:
    rechannel: Conv
    layers: list[LayerWeights]
    head: Conv


@dataclass
class WaveNetWeights:
    arrays: list[LayerArrayWeights]
    post_head: list[Conv]
    head_scale: float


class _Reader:
    """Reads consecutive convs out of the flat weight vector."""

    def __init__(self, weights: np.ndarray) -> None:
        self.w = np.asarray(weights, dtype=np.float64)
        self.pos = 0

    def take(self, n: int) -> np.ndarray:
        out = self.w[self.pos : self.pos + n]
        self.pos += n
        return out

    def conv(self, cin: int, cout: int, kernel: int = 1, bias: bool = True, groups: int = 1) -> Conv:
        opg, ipg = cout // groups, cin // groups
        blocks = self.take(cout * ipg * kernel).reshape(groups, opg, ipg, kernel)
        weight = np.zeros((cout, cin, kernel))
        for g in range(groups):
            weight[g * opg : (g + 1) * opg, g * ipg : (g + 1) * ipg] = blocks[g]
        return Conv(weight, self.take(cout).copy() if bias else None)


def _read_array(r: _Reader, a: LayerArrayConfig) -> LayerArrayWeights:
    c, b, cc = a.channels, a.bottleneck, a.condition_size
    rechannel = r.conv(a.input_size, c, bias=False)
    layers = []
    for i, k in enumerate(a.kernel_sizes):
        g = a.conv_out(i)
        conv = r.conv(c, g, k, True, a.groups_input)
        mixin = r.conv(cc, g, 1, False, a.groups_input_mixin)
        layer1x1 = r.conv(b, c, 1, True, a.layer1x1_groups) if a.layer1x1_active else None
        head1x1 = r.conv(b, a.head1x1_out_channels, 1, True, a.head1x1_groups) if a.head1x1_active else None
        films = {}
        for key in FILM_KEYS:
            film = getattr(a.films, key)
            if film.active:
                films[key] = r.conv(cc, (2 if film.shift else 1) * a.film_dim(key, i), 1, True, film.groups)
        layers.append(LayerWeights(conv, mixin, layer1x1, head1x1, films))
    head = r.conv(a.skip_size, a.head_size, a.head_kernel_size, a.head_bias)
    return LayerArrayWeights(rechannel, layers, head)


def unpack(config: WaveNetConfig, weights: np.ndarray) -> WaveNetWeights:
    """Split the flat weights (length ``config.num_weights()``) into matrices."""
    r = _Reader(weights)
    arrays = [_read_array(r, a) for a in config.layer_arrays]
    post = []
    if config.post_head:
        post = [r.conv(ci, co, k) for ci, co, k in config.post_head.conv_shapes()]
    head_scale = float(r.take(1)[0])
    assert r.pos == r.w.size, "weight count was checked against the config"
    return WaveNetWeights(arrays, post, head_scale)


def slim(
    config: WaveNetConfig, weights: WaveNetWeights, ratio: float
) -> tuple[WaveNetConfig, WaveNetWeights]:
    """The sub-network NAM Core runs at slimmable size ``ratio``: leading channels of every matrix."""
    small = config.slimmed(ratio)
    arrays = []
    for full, cut, w in zip(config.layer_arrays, small.layer_arrays, weights.arrays, strict=True):
        c, b, cc = cut.channels, cut.bottleneck, cut.condition_size
        assert cut.bottleneck == slim_bottleneck(full, c)
        layers = []
        for i, lw in enumerate(w.layers):
            g = cut.conv_out(i)
            films = {
                key: conv.sliced((2 if getattr(cut.films, key).shift else 1) * cut.film_dim(key, i), cc)
                for key, conv in lw.films.items()
            }
            layers.append(
                LayerWeights(
                    lw.conv.sliced(g, c),
                    lw.mixin.sliced(g, cc),
                    lw.layer1x1.sliced(c, b) if lw.layer1x1 else None,
                    lw.head1x1.sliced(cut.head1x1_out_channels, b) if lw.head1x1 else None,
                    films,
                )
            )
        arrays.append(
            LayerArrayWeights(
                w.rechannel.sliced(c, cut.input_size), layers, w.head.sliced(cut.head_size, cut.skip_size)
            )
        )
    return small, WaveNetWeights(arrays, [], weights.head_scale)
