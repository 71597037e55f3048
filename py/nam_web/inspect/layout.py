"""Where each named weight tensor sits in a .nam file's flat ``weights`` list.

An engine's config may describe its own layout with ``weight_layout()``, returning
``[(name, shape), ...]`` in file order (plain tuples, so engines need not import this module).
For configs that do not (yet), the layouts below follow NeuralAmpModelerCore's ``set_weights_``
order for the classic formats: Linear, LSTM and the original WaveNet layer arrays. Anything
else, or any layout that does not add up to the file's weight count, is shown as one block.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nam_web import models
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


def _linear(config: dict[str, Any]) -> Layout:
    layout: Layout = [("taps", (config["receptive_field"],))]
    return [*layout, ("bias", (1,))] if config["bias"] else layout


def _lstm(config: dict[str, Any]) -> Layout:
    hidden, inputs = config["hidden_size"], config["input_size"]
    layout: Layout = []
    for i in range(config["num_layers"]):
        layer_in = inputs if i == 0 else hidden
        layout += [(f"lstm{i}.weight [i f g o gates × (input, hidden)]", (4 * hidden, layer_in + hidden)),
                   (f"lstm{i}.bias", (4 * hidden,)),
                   (f"lstm{i}.initial_hidden", (hidden,)),
                   (f"lstm{i}.initial_cell", (hidden,))]
    out = config.get("out_channels", 1)
    return [*layout, ("head.weight", (out, hidden)), ("head.bias", (out,))]


def _wavenet(config: dict[str, Any]) -> Layout:
    if config.get("head") is not None:
        raise KeyError("post-stack head")
    layout: Layout = []
    for a, arr in enumerate(config["layers"]):
        channels, kernel = arr["channels"], arr["kernel_size"]
        conv_out = 2 * channels if arr.get("gated") else channels
        if not isinstance(kernel, int):
            raise KeyError("per-layer kernel sizes")
        layout.append((f"array{a}.rechannel", (channels, arr["input_size"])))
        for i, d in enumerate(arr["dilations"]):
            p = f"array{a}.layer{i} (dilation {d})"
            layout += [(f"{p}.conv", (conv_out, channels, kernel)), (f"{p}.conv_bias", (conv_out,)),
                       (f"{p}.input_mixin", (conv_out, arr["condition_size"])),
                       (f"{p}.1x1", (channels, channels)), (f"{p}.1x1_bias", (channels,))]
        head = arr.get("head") or {"out_channels": arr["head_size"], "bias": arr["head_bias"]}
        shape = (head["out_channels"], channels) + ((head["kernel_size"],) if "head" in arr else ())
        layout.append((f"array{a}.head_rechannel", shape))
        if head["bias"]:
            layout.append((f"array{a}.head_rechannel_bias", (head["out_channels"],)))
    return [*layout, ("head_scale", (1,))]


_CLASSIC_LAYOUTS: dict[str, Callable[[dict[str, Any]], Layout]] = {
    "Linear": _linear, "LSTM": _lstm, "WaveNet": _wavenet,
}


def weight_layout(doc: NamDocument, config: models.ModelConfig | None = None) -> list[WeightBlock]:
    """The named blocks covering ``doc.weights`` in file order (one "weights" block if unknown).

    ``config`` is the parsed config (parsed here when not given; raises NamFileError if invalid).
    """
    config = config or models.parse_config(doc)
    describe = getattr(config, "weight_layout", None)
    try:
        layout = describe() if describe else _CLASSIC_LAYOUTS[doc.architecture](doc.config)
    except (KeyError, TypeError):
        layout = []
    blocks, offset = [], 0
    for name, shape in layout:
        blocks.append(WeightBlock(name, tuple(int(n) for n in shape), offset))
        offset += blocks[-1].size
    if offset != doc.weights.size:
        return [WeightBlock("weights", (int(doc.weights.size),), 0)] if doc.weights.size else []
    return [b for b in blocks if b.size]
