"""The WaveNet ``config`` of a .nam file, parsed and checked as NeuralAmpModelerCore reads it.

A WaveNet is a stack of *layer arrays*. Each array re-channels its input to ``channels``, runs
layers of (dilated conv + input mixin → activation/gating → 1×1 back to ``channels``, residual),
sums the layers' skip outputs and re-channels that sum through its *head* convolution. The next
array starts from the previous one's last-layer output and head output. The last head output,
times ``head_scale`` (or through an optional post-stack head), is the model's output.

This module only describes shapes and options (and counts weights); the streaming engine is
:mod:`nam_web.models.wavenet`, the weight layout :mod:`nam_web.models.wavenet_weights`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from enum import Enum
from itertools import pairwise
from typing import Any

from nam_web import namfile
from nam_web.errors import NamFileError
from nam_web.models.activations import Activation
from nam_web.models.base import ModelConfig
from nam_web.namfile import require

MAX_CHANNELS = 4096
"""Largest channel / bottleneck / head size accepted (real models use ≤ 64)."""
MAX_KERNEL = 1024
MAX_DILATION = 1 << 16
MAX_LAYERS = 4096
MAX_RECEPTIVE_FIELD = 1 << 20
"""Samples (≈ 22 s at 48 kHz); real captures reach a few thousand."""
MAX_STATE_FLOATS = 1 << 26
"""History the engine would keep (channels × look-back, summed over layers): 256 MB of float32."""

SLIMMABLE_METHOD = "slice_channels_uniform"


class GatingMode(Enum):
    """How a layer turns its 2·bottleneck pre-activation rows into bottleneck rows (or doesn't)."""

    NONE = "none"
    GATED = "gated"  # act(top) · secondary(bottom)
    BLENDED = "blended"  # α·act(top) + (1 − α)·top, α = secondary(bottom)


FILM_KEYS = (
    "conv_pre_film",
    "conv_post_film",
    "input_mixin_pre_film",
    "input_mixin_post_film",
    "activation_pre_film",
    "activation_post_film",
    "layer1x1_post_film",
    "head1x1_post_film",
)
"""FiLM positions inside a layer, in NAM Core's weight order."""


@dataclass(frozen=True)
class FiLM:
    """Feature-wise modulation x·scale(c) + shift(c), scale/shift from a 1×1 conv of the condition c."""

    active: bool = False
    shift: bool = True
    groups: int = 1


@dataclass(frozen=True)
class LayerFiLMs:
    conv_pre_film: FiLM = FiLM()
    conv_post_film: FiLM = FiLM()
    input_mixin_pre_film: FiLM = FiLM()
    input_mixin_post_film: FiLM = FiLM()
    activation_pre_film: FiLM = FiLM()
    activation_post_film: FiLM = FiLM()
    layer1x1_post_film: FiLM = FiLM()
    head1x1_post_film: FiLM = FiLM()

    def any(self) -> bool:
        return any(getattr(self, f.name).active for f in fields(self))


@dataclass(frozen=True)
class ConvBlock:
    """One convolution's share of the flat weights: per group its (out/groups × in/groups × kernel)
    block, then ``cout`` biases if it has them. ``role`` names it within its layer (``layer`` index)
    or array (``layer`` None): rechannel, conv, input_mixin, 1x1, head1x1, a FiLM key, head_rechannel."""

    role: str
    layer: int | None
    cin: int
    cout: int
    kernel: int = 1
    bias: bool = True
    groups: int = 1

    @property
    def macs(self) -> int:
        """Multiply-adds per sample."""
        return self.cout * (self.cin // self.groups) * self.kernel

    @property
    def size(self) -> int:
        """Weights in the file."""
        return self.macs + (self.cout if self.bias else 0)

    def shape(self) -> tuple[int, ...]:
        """Shape of the weight block as the file stores it (group first when grouped)."""
        shape = (self.cout, self.cin, self.kernel) if self.kernel > 1 else (self.cout, self.cin)
        if self.groups > 1:
            shape = (self.groups, self.cout // self.groups, self.cin // self.groups, *shape[2:])
        return shape


@dataclass(frozen=True)
class LayerArrayConfig:
    """One layer array; per-layer lists all have one entry per dilation."""

    input_size: int
    condition_size: int
    channels: int
    bottleneck: int
    kernel_sizes: tuple[int, ...]
    dilations: tuple[int, ...]
    activations: tuple[Activation, ...]
    gating_modes: tuple[GatingMode, ...]
    secondary_activations: tuple[Activation | None, ...]
    head_size: int
    head_kernel_size: int = 1
    head_dilation: int = 1
    head_bias: bool = False
    groups_input: int = 1
    groups_input_mixin: int = 1
    layer1x1_active: bool = True
    layer1x1_groups: int = 1
    head1x1_active: bool = False
    head1x1_out_channels: int = 0
    head1x1_groups: int = 1
    films: LayerFiLMs = LayerFiLMs()
    slimmable_channels: tuple[int, ...] | None = None
    """``slice_channels_uniform``: the channel counts this array may be slimmed to (ascending)."""

    @property
    def num_layers(self) -> int:
        return len(self.dilations)

    def conv_out(self, layer: int) -> int:
        """Rows of the dilated conv / input mixin: 2·bottleneck when gated or blended."""
        return 2 * self.bottleneck if self.gating_modes[layer] is not GatingMode.NONE else self.bottleneck

    @property
    def skip_size(self) -> int:
        """Rows each layer sends to the head: head1x1's outputs, else the bottleneck."""
        return self.head1x1_out_channels if self.head1x1_active else self.bottleneck

    @property
    def receptive_field(self) -> int:
        """Zero-indexed look-back (samples) of this array, head convolution included."""
        rf = sum(d * (k - 1) for d, k in zip(self.dilations, self.kernel_sizes, strict=True))
        return rf + self.head_dilation * (self.head_kernel_size - 1)

    def film_dim(self, key: str, layer: int) -> int:
        """Rows a FiLM at position ``key`` modulates."""
        return {
            "conv_pre_film": self.channels,
            "conv_post_film": self.conv_out(layer),
            "input_mixin_pre_film": self.condition_size,
            "input_mixin_post_film": self.conv_out(layer),
            "activation_pre_film": self.conv_out(layer),
            "activation_post_film": self.bottleneck,
            "layer1x1_post_film": self.channels,
            "head1x1_post_film": self.head1x1_out_channels,
        }[key]

    def conv_blocks(self) -> list[ConvBlock]:
        """This array's convolutions in the order their weights sit in the file (NAM's ``set_weights_``)."""
        c, b, cc = self.channels, self.bottleneck, self.condition_size
        blocks = [ConvBlock("rechannel", None, self.input_size, c, bias=False)]
        for i, k in enumerate(self.kernel_sizes):
            g = self.conv_out(i)
            blocks.append(ConvBlock("conv", i, c, g, k, True, self.groups_input))
            blocks.append(ConvBlock("input_mixin", i, cc, g, 1, False, self.groups_input_mixin))
            if self.layer1x1_active:
                blocks.append(ConvBlock("1x1", i, b, c, 1, True, self.layer1x1_groups))
            if self.head1x1_active:
                blocks.append(
                    ConvBlock("head1x1", i, b, self.head1x1_out_channels, 1, True, self.head1x1_groups)
                )
            for key in FILM_KEYS:
                film = getattr(self.films, key)
                if film.active:
                    rows = (2 if film.shift else 1) * self.film_dim(key, i)
                    blocks.append(ConvBlock(key, i, cc, rows, 1, True, film.groups))
        blocks.append(
            ConvBlock(
                "head_rechannel", None, self.skip_size, self.head_size, self.head_kernel_size, self.head_bias
            )
        )
        return blocks

    def num_weights(self) -> int:
        return sum(block.size for block in self.conv_blocks())

    def macs_per_sample(self) -> int:
        return sum(block.macs for block in self.conv_blocks())

    def state_floats(self) -> int:
        """Floats of history the engine keeps for this array."""
        look = sum(d * (k - 1) for d, k in zip(self.dilations, self.kernel_sizes, strict=True))
        return self.channels * look + self.skip_size * self.head_dilation * (self.head_kernel_size - 1)


@dataclass(frozen=True)
class PostStackHead:
    """Optional head after the layer arrays: (activation → causal conv) repeated, dilation 1."""

    in_channels: int
    channels: int
    out_channels: int
    kernel_sizes: tuple[int, ...]
    activation: Activation

    def conv_shapes(self) -> list[tuple[int, int, int]]:
        """(in, out, kernel) of each conv, in order."""
        shapes, cin = [], self.in_channels
        for i, k in enumerate(self.kernel_sizes):
            cout = self.out_channels if i == len(self.kernel_sizes) - 1 else self.channels
            shapes.append((cin, cout, k))
            cin = cout
        return shapes

    def conv_blocks(self) -> list[ConvBlock]:
        return [ConvBlock("conv", i, ci, co, k) for i, (ci, co, k) in enumerate(self.conv_shapes())]


@dataclass(frozen=True)
class WaveNetConfig(ModelConfig):
    """A WaveNet's layer arrays plus the model-level options."""

    architecture = "WaveNet"
    layer_arrays: tuple[LayerArrayConfig, ...]
    head_scale: float
    post_head: PostStackHead | None = None
    in_channels: int = 1
    condition_dsp: namfile.NamDocument | None = None
    condition_config: ModelConfig | None = None
    """The nested conditioning model (any architecture), parsed; its weights are in its own document."""

    @classmethod
    def from_json(cls, config: dict[str, Any], at: str = "$.config") -> WaveNetConfig:
        return _parse_wavenet(config, at)

    @property
    def slimmable(self) -> bool:
        return any(a.slimmable_channels for a in self.layer_arrays)

    @property
    def out_channels(self) -> int:
        return self.post_head.out_channels if self.post_head else self.layer_arrays[-1].head_size

    def weight_layout(self) -> list[tuple[str, tuple[int, ...]]]:
        """Named weight blocks in file order: layer arrays, post-stack head convs, then head_scale."""
        layout: list[tuple[str, tuple[int, ...]]] = []
        for i, a in enumerate(self.layer_arrays):
            for block in a.conv_blocks():
                where = (
                    f"array{i}"
                    if block.layer is None
                    else f"array{i}.layer{block.layer} (dilation {a.dilations[block.layer]})"
                )
                layout += _named(f"{where}.{block.role}", block)
        for block in self.post_head.conv_blocks() if self.post_head else []:
            layout += _named(f"head.conv{block.layer}", block)
        return [*layout, ("head_scale", (1,))]

    @property
    def receptive_field(self) -> int:
        rf = 1 + sum(a.receptive_field for a in self.layer_arrays)
        if self.post_head:
            rf += sum(k - 1 for k in self.post_head.kernel_sizes)
        if self.condition_config is not None:
            rf += self.condition_config.receptive_field - 1
        return rf

    def macs_per_sample(self) -> int:
        macs = sum(a.macs_per_sample() for a in self.layer_arrays)
        if self.post_head:
            macs += sum(block.macs for block in self.post_head.conv_blocks())
        if self.condition_config is not None:
            macs += self.condition_config.macs_per_sample()
        return macs

    def summary(self) -> dict[str, Any]:
        arrays = []
        for a in self.layer_arrays:
            arrays.append(
                {
                    "channels": a.channels,
                    "bottleneck": a.bottleneck,
                    "kernel_sizes": list(a.kernel_sizes),
                    "dilations": list(a.dilations),
                    "activation": _collapse([_describe(x) for x in a.activations]),
                    "gating": _collapse([g.value for g in a.gating_modes]),
                    "head_size": a.head_size,
                    **({"slimmable_channels": list(a.slimmable_channels)} if a.slimmable_channels else {}),
                }
            )
        out: dict[str, Any] = {
            "layer_arrays": arrays,
            "receptive_field": self.receptive_field,
            "head_scale": self.head_scale,
        }
        if self.post_head:
            out["post_head"] = {
                "channels": self.post_head.channels,
                "kernel_sizes": list(self.post_head.kernel_sizes),
            }
        if self.condition_dsp is not None:
            out["condition_dsp"] = self.condition_dsp.architecture
        return out

    def slimmed(self, ratio: float) -> WaveNetConfig:
        """The config NAM Core runs at slimmable size ``ratio`` ∈ [0, 1] (per-array channel choice)."""
        channels = self.slim_channels(ratio)
        arrays = []
        for i, (a, c) in enumerate(zip(self.layer_arrays, channels, strict=True)):
            arrays.append(
                replace(
                    a,
                    channels=c,
                    bottleneck=slim_bottleneck(a, c),
                    input_size=a.input_size if i == 0 else channels[i - 1],
                    head_size=a.head_size if i == len(channels) - 1 else channels[i + 1],
                )
            )
        return replace(self, layer_arrays=tuple(arrays))

    def slim_channels(self, ratio: float) -> list[int]:
        """Channels of each array at ``ratio`` (NAM: allowed[min(⌊ratio·n⌋, n − 1)])."""
        out = []
        for a in self.layer_arrays:
            allowed = a.slimmable_channels
            if not allowed:
                out.append(a.channels)
            else:
                out.append(allowed[min(math.floor(ratio * len(allowed)), len(allowed) - 1)])
        return out


def _named(name: str, block: ConvBlock) -> list[tuple[str, tuple[int, ...]]]:
    return [(name, block.shape())] + ([(f"{name}_bias", (block.cout,))] if block.bias else [])


def slim_bottleneck(a: LayerArrayConfig, channels: int) -> int:
    """NAM Core's slimmed bottleneck: proportional, or = channels without a layer 1×1."""
    if not a.layer1x1_active:
        return channels
    return max(1, a.bottleneck * channels // a.channels)


def _describe(act: Activation) -> str:
    if act.name in ("LeakyReLU", "PReLU") and act.negative_slopes is None:
        return f"{act.name}({act.negative_slope:g})"
    return act.name


def _collapse(items: list[str]) -> str | list[str]:
    return items[0] if len(set(items)) == 1 else items


# --- parsing ------------------------------------------------------------------------------------


def _int(
    obj: dict[str, Any], key: str, at: str, lo: int = 1, hi: int = MAX_CHANNELS, default: int | None = None
) -> int:
    if default is not None and key not in obj:
        return default
    value = require(obj, key, int, at)
    if not lo <= value <= hi:
        raise NamFileError(f"{key} {value} is outside {lo}..{hi}", f"{at}.{key}")
    return value


def _bool(obj: dict[str, Any], key: str, at: str, default: bool | None = None) -> bool:
    if default is not None and key not in obj:
        return default
    return require(obj, key, bool, at)


def _divides(groups: int, sizes: dict[str, int], at: str) -> None:
    for what, size in sizes.items():
        if size % groups:
            raise NamFileError(f"{what} ({size}) is not divisible by groups ({groups})", at)


def _per_layer(raw: Any, n: int, key: str, at: str) -> list[Any]:
    """A per-layer list of length n, or one value repeated."""
    if isinstance(raw, list):
        if len(raw) != n:
            raise NamFileError(f"{key} has {len(raw)} entries but there are {n} dilations", f"{at}.{key}")
        return raw
    return [raw] * n


def _parse_film(layer: dict[str, Any], key: str, at: str) -> FiLM:
    raw = layer.get(key)
    if raw is None or raw is False:
        return FiLM()
    if not isinstance(raw, dict):
        raise NamFileError("a FiLM entry must be an object {active, shift, groups} or false", f"{at}.{key}")
    return FiLM(
        _bool(raw, "active", f"{at}.{key}", True),
        _bool(raw, "shift", f"{at}.{key}", True),
        _int(raw, "groups", f"{at}.{key}", default=1),
    )


def _parse_gating(layer: dict[str, Any], n: int, at: str) -> tuple[list[GatingMode], list[Activation | None]]:
    sigmoid = Activation("Sigmoid")
    if "gating_mode" in layer:
        raw = _per_layer(layer["gating_mode"], n, "gating_mode", at)
        modes = []
        for i, m in enumerate(raw):
            where = f"{at}.gating_mode" + (f"[{i}]" if isinstance(layer["gating_mode"], list) else "")
            try:
                modes.append(GatingMode(m))
            except ValueError:
                raise NamFileError(
                    f'gating_mode must be "none", "gated" or "blended", got {m!r}', where
                ) from None
        secondaries: list[Activation | None] = []
        raw_sec = layer.get("secondary_activation")
        if isinstance(raw_sec, list) and len(raw_sec) != n and any(m is not GatingMode.NONE for m in modes):
            raise NamFileError(
                f"secondary_activation has {len(raw_sec)} entries but there are {n} dilations",
                f"{at}.secondary_activation",
            )
        for i, mode in enumerate(modes):
            if mode is GatingMode.NONE:
                secondaries.append(None)
            elif raw_sec is None:
                secondaries.append(sigmoid)  # NAM's default gate
            elif isinstance(raw_sec, list):
                secondaries.append(Activation.from_json(raw_sec[i], f"{at}.secondary_activation[{i}]"))
            else:
                secondaries.append(Activation.from_json(raw_sec, f"{at}.secondary_activation"))
        return modes, secondaries
    if "gated" in layer:
        gated = _bool(layer, "gated", at)
        return ([GatingMode.GATED if gated else GatingMode.NONE] * n, [sigmoid if gated else None] * n)
    return [GatingMode.NONE] * n, [None] * n


def _parse_head(layer: dict[str, Any], at: str) -> tuple[int, int, int, bool]:
    """(head_size, kernel_size, dilation, bias) from ``head`` or legacy ``head_size``/``head_bias``."""
    head = layer.get("head")
    if head is not None:
        if not isinstance(head, dict):
            raise NamFileError("head must be an object {out_channels, kernel_size, bias}", f"{at}.head")
        hat = f"{at}.head"
        return (
            _int(head, "out_channels", hat),
            _int(head, "kernel_size", hat, hi=MAX_KERNEL),
            _int(head, "head_dilation", hat, hi=MAX_DILATION, default=1),
            _bool(head, "bias", hat),
        )
    if "head_size" in layer:
        return _int(layer, "head_size", at), 1, 1, _bool(layer, "head_bias", at)
    raise NamFileError('expected a "head" object or legacy "head_size" and "head_bias"', at)


def _parse_slimmable(layer: dict[str, Any], channels: int, at: str) -> tuple[int, ...] | None:
    raw = layer.get("slimmable")
    if not isinstance(raw, dict):
        return None
    sat = f"{at}.slimmable"
    method = raw.get("method", "")
    if method != SLIMMABLE_METHOD:
        if method:
            raise NamFileError(
                f"unsupported slimmable method {method!r} (known: {SLIMMABLE_METHOD})", f"{sat}.method"
            )
        return None
    kwargs = raw.get("kwargs") or {}
    if "allowed_channels" not in kwargs:
        return tuple(range(1, channels + 1))
    allowed = require(kwargs, "allowed_channels", list, f"{sat}.kwargs")
    where = f"{sat}.kwargs.allowed_channels"
    if not allowed or any(isinstance(c, bool) or not isinstance(c, int) for c in allowed):
        raise NamFileError("allowed_channels must be a non-empty list of integers", where)
    if any(b <= a for a, b in pairwise(allowed)) or allowed[0] < 1:
        raise NamFileError("allowed_channels must be positive and ascending", where)
    if allowed[-1] != channels:
        raise NamFileError(
            f"the last allowed_channels entry ({allowed[-1]}) must equal channels ({channels})", where
        )
    return tuple(allowed)


def _parse_layer_array(layer: Any, at: str) -> LayerArrayConfig:
    if not isinstance(layer, dict):
        raise NamFileError("a layer array must be an object", at)
    channels = _int(layer, "channels", at)
    bottleneck = _int(layer, "bottleneck", at, default=channels)
    input_size = _int(layer, "input_size", at)
    condition_size = _int(layer, "condition_size", at)
    dilations = require(layer, "dilations", list, at)
    if not 1 <= len(dilations) <= MAX_LAYERS:
        raise NamFileError(
            f"dilations must list 1..{MAX_LAYERS} layers, got {len(dilations)}", f"{at}.dilations"
        )
    for i, d in enumerate(dilations):
        if isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= MAX_DILATION:
            raise NamFileError(
                f"dilation must be an integer in 1..{MAX_DILATION}, got {d!r}", f"{at}.dilations[{i}]"
            )
    n = len(dilations)
    if "kernel_size" in layer and "kernel_sizes" in layer:
        raise NamFileError("give either kernel_size or kernel_sizes, not both", at)
    if "kernel_sizes" in layer:
        kernel_sizes = _per_layer(require(layer, "kernel_sizes", list, at), n, "kernel_sizes", at)
        for i, k in enumerate(kernel_sizes):
            if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_KERNEL:
                raise NamFileError(
                    f"kernel size must be an integer in 1..{MAX_KERNEL}", f"{at}.kernel_sizes[{i}]"
                )
    elif "kernel_size" in layer:
        kernel_sizes = [_int(layer, "kernel_size", at, hi=MAX_KERNEL)] * n
    else:
        raise NamFileError("missing key 'kernel_size' (or 'kernel_sizes')", at)
    if "activation" not in layer:
        raise NamFileError("missing key 'activation'", at)
    raw_act = layer["activation"]
    activations = [
        Activation.from_json(a, f"{at}.activation" + (f"[{i}]" if isinstance(raw_act, list) else ""))
        for i, a in enumerate(_per_layer(raw_act, n, "activation", at))
    ]
    modes, secondaries = _parse_gating(layer, n, at)
    head_size, head_kernel, head_dilation, head_bias = _parse_head(layer, at)

    groups_input = _int(layer, "groups_input", at, default=1)
    groups_mixin = _int(layer, "groups_input_mixin", at, default=1)
    l1_active, l1_groups = True, 1
    if "layer1x1" in layer:
        l1 = require(layer, "layer1x1", dict, at)
        l1_active = _bool(l1, "active", f"{at}.layer1x1")
        l1_groups = _int(l1, "groups", f"{at}.layer1x1")
    h1_active, h1_out, h1_groups = False, channels, 1
    if "head1x1" in layer:
        h1 = require(layer, "head1x1", dict, at)
        h1_active = _bool(h1, "active", f"{at}.head1x1")
        h1_out = _int(h1, "out_channels", f"{at}.head1x1")
        h1_groups = _int(h1, "groups", f"{at}.head1x1")
    films = LayerFiLMs(**{key: _parse_film(layer, key, at) for key in FILM_KEYS})

    config = LayerArrayConfig(
        input_size=input_size,
        condition_size=condition_size,
        channels=channels,
        bottleneck=bottleneck,
        kernel_sizes=tuple(kernel_sizes),
        dilations=tuple(dilations),
        activations=tuple(activations),
        gating_modes=tuple(modes),
        secondary_activations=tuple(secondaries),
        head_size=head_size,
        head_kernel_size=head_kernel,
        head_dilation=head_dilation,
        head_bias=head_bias,
        groups_input=groups_input,
        groups_input_mixin=groups_mixin,
        layer1x1_active=l1_active,
        layer1x1_groups=l1_groups,
        head1x1_active=h1_active,
        head1x1_out_channels=h1_out,
        head1x1_groups=h1_groups,
        films=films,
        slimmable_channels=_parse_slimmable(layer, channels, at),
    )
    _check_layer_array(config, at)
    return config


def _check_layer_array(a: LayerArrayConfig, at: str) -> None:
    """NAM Core's structural rules (its constructors throw on these)."""
    if not a.layer1x1_active and a.bottleneck != a.channels:
        raise NamFileError(
            f"without layer1x1, bottleneck ({a.bottleneck}) must equal channels ({a.channels})", at
        )
    if a.films.layer1x1_post_film.active and not a.layer1x1_active:
        raise NamFileError(
            "layer1x1_post_film cannot be active when layer1x1 is not", f"{at}.layer1x1_post_film"
        )
    if a.films.head1x1_post_film.active and not a.head1x1_active:
        raise NamFileError("head1x1_post_film needs an active head1x1", f"{at}.head1x1_post_film")
    _divides(
        a.groups_input,
        {"channels": a.channels, "2·bottleneck": a.conv_out(0), "bottleneck": a.bottleneck},
        f"{at}.groups_input",
    )
    _divides(
        a.groups_input_mixin,
        {"condition_size": a.condition_size, "bottleneck": a.bottleneck},
        f"{at}.groups_input_mixin",
    )
    if a.layer1x1_active:
        _divides(
            a.layer1x1_groups, {"bottleneck": a.bottleneck, "channels": a.channels}, f"{at}.layer1x1.groups"
        )
    if a.head1x1_active:
        _divides(
            a.head1x1_groups,
            {"bottleneck": a.bottleneck, "out_channels": a.head1x1_out_channels},
            f"{at}.head1x1.groups",
        )
    for key in FILM_KEYS:
        film = getattr(a.films, key)
        if film.active:
            dims = {"condition_size": a.condition_size}
            dims.update(
                {f"{key} rows": (2 if film.shift else 1) * a.film_dim(key, i) for i in range(a.num_layers)}
            )
            _divides(film.groups, dims, f"{at}.{key}.groups")
    for i, (act, sec) in enumerate(zip(a.activations, a.secondary_activations, strict=True)):
        for which, cfg in (("activation", act), ("secondary_activation", sec)):
            if (
                cfg is not None
                and cfg.negative_slopes is not None
                and len(cfg.negative_slopes) != a.bottleneck
            ):
                raise NamFileError(
                    f"PReLU has {len(cfg.negative_slopes)} negative_slopes for {a.bottleneck} "
                    f"channels (layer {i})",
                    f"{at}.{which}",
                )
    if a.slimmable_channels:
        if a.head_kernel_size != 1:
            raise NamFileError("a slimmable layer array needs head kernel_size 1", f"{at}.slimmable")
        if (
            a.groups_input != 1
            or a.groups_input_mixin != 1
            or (a.layer1x1_active and a.layer1x1_groups != 1)
            or (a.head1x1_active and a.head1x1_groups != 1)
        ):
            raise NamFileError(
                "slimming grouped convolutions is not supported (all groups must be 1)", f"{at}.slimmable"
            )
    if a.receptive_field > MAX_RECEPTIVE_FIELD:
        raise NamFileError(
            f"receptive field {a.receptive_field} samples is absurd (limit {MAX_RECEPTIVE_FIELD})",
            f"{at}.dilations",
        )


def _parse_post_head(raw: dict[str, Any], in_channels: int, at: str) -> PostStackHead:
    if "in_channels" in raw and raw["in_channels"] is not None:
        legacy = _int(raw, "in_channels", at)
        if legacy != in_channels:
            raise NamFileError(
                f"head.in_channels ({legacy}) must equal the last layer array's head size ({in_channels})",
                f"{at}.in_channels",
            )
    kernels = require(raw, "kernel_sizes", list, at)
    if not kernels:
        raise NamFileError("kernel_sizes must not be empty", f"{at}.kernel_sizes")
    for i, k in enumerate(kernels):
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_KERNEL:
            raise NamFileError(
                f"kernel size must be an integer in 1..{MAX_KERNEL}", f"{at}.kernel_sizes[{i}]"
            )
    if "activation" not in raw:
        raise NamFileError("missing key 'activation'", at)
    head = PostStackHead(
        in_channels,
        _int(raw, "channels", at),
        _int(raw, "out_channels", at),
        tuple(kernels),
        Activation.from_json(raw["activation"], f"{at}.activation"),
    )
    for i, (cin, _, _) in enumerate(head.conv_shapes()):
        act = head.activation
        if act.negative_slopes is not None and len(act.negative_slopes) != cin:
            raise NamFileError(
                f"PReLU has {len(act.negative_slopes)} slopes but head conv {i} has {cin} inputs",
                f"{at}.activation",
            )
    return head


def _parse_wavenet(config: dict[str, Any], at: str) -> WaveNetConfig:
    from nam_web.models import parse_config  # the registry; imported here to avoid an import cycle

    layers = require(config, "layers", list, at)
    if not layers:
        raise NamFileError("a WaveNet needs at least one layer array", f"{at}.layers")
    arrays = tuple(_parse_layer_array(layer, f"{at}.layers[{i}]") for i, layer in enumerate(layers))
    in_channels = _int(config, "in_channels", at, default=1)
    if in_channels != 1:
        raise NamFileError(
            f"only mono-input WaveNets are supported (in_channels {in_channels})", f"{at}.in_channels"
        )
    if arrays[0].input_size != in_channels:
        raise NamFileError(
            f"input_size {arrays[0].input_size} of the first layer array must be {in_channels} (mono input)",
            f"{at}.layers[0].input_size",
        )
    for i in range(1, len(arrays)):
        prev, cur = arrays[i - 1], arrays[i]
        if cur.input_size != prev.channels:
            raise NamFileError(
                f"input_size ({cur.input_size}) must equal the previous array's channels ({prev.channels})",
                f"{at}.layers[{i}].input_size",
            )
        if cur.channels != prev.head_size:
            raise NamFileError(
                f"channels ({cur.channels}) must equal the previous array's head size ({prev.head_size})",
                f"{at}.layers[{i}].channels",
            )
        if cur.skip_size != prev.head_size:
            raise NamFileError(
                f"the previous array's head size ({prev.head_size}) must equal this array's "
                f"skip size ({cur.skip_size})",
                f"{at}.layers[{i}]",
            )
    state = sum(a.state_floats() for a in arrays)
    if state > MAX_STATE_FLOATS:
        raise NamFileError(
            f"the model would keep {state} floats of history; refusing absurd sizes", f"{at}.layers"
        )

    head_scale = require(config, "head_scale", (int, float), at)
    if not math.isfinite(head_scale):
        raise NamFileError(f"head_scale must be a finite number, got {head_scale}", f"{at}.head_scale")
    post_head = None
    if config.get("head") is not None:
        post_head = _parse_post_head(require(config, "head", dict, at), arrays[-1].head_size, f"{at}.head")

    condition_doc = condition_config = None
    if config.get("condition_dsp") is not None:
        cat = f"{at}.condition_dsp"
        condition_doc = namfile.NamDocument.from_json(config["condition_dsp"], cat)
        condition_config = parse_config(condition_doc, cat)
        cond_out = condition_config.out_channels if isinstance(condition_config, WaveNetConfig) else 1
        for i, a in enumerate(arrays):
            if a.condition_size != cond_out:
                raise NamFileError(
                    f"condition_size ({a.condition_size}) must equal the condition_dsp's outputs "
                    f"({cond_out})",
                    f"{at}.layers[{i}].condition_size",
                )
    else:
        for i, a in enumerate(arrays):
            if a.condition_size != in_channels:
                raise NamFileError(
                    f"condition_size ({a.condition_size}) must equal in_channels ({in_channels}) "
                    "without a condition_dsp",
                    f"{at}.layers[{i}].condition_size",
                )

    wc = WaveNetConfig(arrays, float(head_scale), post_head, in_channels, condition_doc, condition_config)
    if wc.slimmable and post_head is not None:
        raise NamFileError("a slimmable WaveNet cannot have a post-stack head", f"{at}.head")
    return wc
