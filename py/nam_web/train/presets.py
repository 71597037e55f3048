"""Architecture presets, as .nam ``config`` blocks (format 0.5.x): the NAM trainer's sizes.

WaveNet presets (Standard / Lite / Feather / Nano) all have a receptive field of 4093 samples;
LSTM presets follow the trainer's LSTM sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_DILATIONS_10 = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
_DILATIONS_7 = [1, 2, 4, 8, 16, 32, 64]
_DILATIONS_13 = [128, 256, 512, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512]


def _layer(
    input_size: int, channels: int, head_size: int, dilations: list[int], head_bias: bool
) -> dict[str, Any]:
    """One layer array. The head is written twice, as the same numbers: ``head_size``/``head_bias``
    (what 0.5-era plugins read) and a nested ``head`` (what NAM Core 0.7 and the current
    ``neural-amp-modeler`` package read)."""
    return {
        "input_size": input_size,
        "condition_size": 1,
        "head_size": head_size,
        "channels": channels,
        "kernel_size": 3,
        "dilations": list(dilations),
        "activation": "Tanh",
        "gated": False,
        "head_bias": head_bias,
        "head": {"out_channels": head_size, "kernel_size": 1, "bias": head_bias},
    }


def wavenet_config(
    channels: int, second_channels: int, dilations: tuple[list[int], list[int]]
) -> dict[str, Any]:
    """Two layer arrays, the first feeding the second (NAM's standard WaveNet layout)."""
    return {
        "layers": [
            _layer(1, channels, second_channels, dilations[0], False),
            _layer(channels, second_channels, 1, dilations[1], True),
        ],
        "head": None,
        "head_scale": 0.02,
    }


@dataclass(frozen=True)
class Preset:
    """A named architecture: ``architecture`` and ``config`` as written to the .nam file."""

    name: str
    architecture: str
    config: dict[str, Any]
    learning_rate: float = 0.004
    """Adam step size at epoch 0."""
    lr_decay: float = 0.007
    """Exponential decay per epoch: lr(epoch) = lr · (1 − lr_decay)^epoch."""


PRESETS: dict[str, Preset] = {
    "standard": Preset("standard", "WaveNet", wavenet_config(16, 8, (_DILATIONS_10, _DILATIONS_10))),
    "lite": Preset("lite", "WaveNet", wavenet_config(12, 6, (_DILATIONS_7, _DILATIONS_13))),
    "feather": Preset("feather", "WaveNet", wavenet_config(8, 4, (_DILATIONS_7, _DILATIONS_13))),
    "nano": Preset("nano", "WaveNet", wavenet_config(4, 2, (_DILATIONS_7, _DILATIONS_13))),
    "lstm": Preset("lstm", "LSTM", {"input_size": 1, "hidden_size": 24, "num_layers": 1}, 0.01, 0.005),
    "lstm-lite": Preset(
        "lstm-lite", "LSTM", {"input_size": 1, "hidden_size": 8, "num_layers": 2}, 0.01, 0.005
    ),
    "lstm-nano": Preset(
        "lstm-nano", "LSTM", {"input_size": 1, "hidden_size": 12, "num_layers": 1}, 0.01, 0.005
    ),
}


def preset(name: str) -> Preset:
    """Look a preset up by name (case-insensitive); the error lists the known ones."""
    from nam_web.errors import NamWebError

    try:
        return PRESETS[name.lower()]
    except KeyError:
        raise NamWebError(f"unknown architecture {name!r} (choose from {', '.join(PRESETS)})") from None
