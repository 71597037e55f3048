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

from nam_web.models.wavenet_config import FILM_KEYS, ConvBlock, WaveNetConfig, slim_bottleneck


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


def _read(weights: np.ndarray, pos: int, block: ConvBlock) -> Conv:
    """The dense (out, in, kernel) conv of ``block`` whose weights start at ``pos``."""
    opg, ipg = block.cout // block.groups, block.cin // block.groups
    n = block.macs
    blocks = weights[pos : pos + n].reshape(block.groups, opg, ipg, block.kernel)
    dense = np.zeros((block.cout, block.cin, block.kernel))
    for g in range(block.groups):
        dense[g * opg : (g + 1) * opg, g * ipg : (g + 1) * ipg] = blocks[g]
    return Conv(dense, weights[pos + n : pos + block.size].copy() if block.bias else None)


def _read_blocks(weights: np.ndarray, pos: int, blocks: list[ConvBlock]) -> tuple[dict, int]:
    """Read consecutive blocks; {(role, layer): Conv} and the position after them."""
    convs = {}
    for block in blocks:
        convs[block.role, block.layer] = _read(weights, pos, block)
        pos += block.size
    return convs, pos


def unpack(config: WaveNetConfig, weights: np.ndarray) -> WaveNetWeights:
    """Split the flat weights (length ``config.num_weights()``) into matrices."""
    w = np.asarray(weights, dtype=np.float64)
    pos, arrays = 0, []
    for a in config.layer_arrays:
        convs, pos = _read_blocks(w, pos, a.conv_blocks())
        layers = [
            LayerWeights(
                convs["conv", i],
                convs["input_mixin", i],
                convs.get(("1x1", i)),
                convs.get(("head1x1", i)),
                {key: convs[key, i] for key in FILM_KEYS if (key, i) in convs},
            )
            for i in range(a.num_layers)
        ]
        arrays.append(LayerArrayWeights(convs["rechannel", None], layers, convs["head_rechannel", None]))
    post = []
    if config.post_head:
        convs, pos = _read_blocks(w, pos, config.post_head.conv_blocks())
        post = [convs["conv", i] for i in range(len(config.post_head.kernel_sizes))]
    assert pos + 1 == w.size, "weight count was checked against the config"
    return WaveNetWeights(arrays, post, float(w[pos]))


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
