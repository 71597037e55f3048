"""Size class of a model: which of the NAM trainer's presets it is built like.

The trainer (``nam/train/core.py``) names four sizes, for WaveNets (A1) and LSTMs alike:
Standard, Lite, Feather and Nano. A model whose structure (channels, kernel sizes, dilations,
head sizes; hidden size and layers for an LSTM) matches one of them is that class; anything else
is "custom". The activation does not change the class (it barely changes the cost).
"""

from __future__ import annotations

from typing import Any

from nam_web.models.base import ModelConfig

CUSTOM = "custom"
_LONG = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
_SHORT = (1, 2, 4, 8, 16, 32, 64)
_SECOND = (128, 256, 512, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


def _preset(channels: int, dilations: tuple[tuple[int, ...], tuple[int, ...]]) -> tuple[tuple[Any, ...], ...]:
    """The trainer's two-array WaveNet: array 1 has ``channels``, array 2 half of them; kernel 3."""
    first, second = dilations
    return ((1, channels, (3,) * len(first), first, channels // 2),
            (channels, channels // 2, (3,) * len(second), second, 1))


WAVENET_PRESETS = {
    _preset(16, (_LONG, _LONG)): "Standard",
    _preset(12, (_SHORT, _SECOND)): "Lite",
    _preset(8, (_SHORT, _SECOND)): "Feather",
    _preset(4, (_SHORT, _SECOND)): "Nano",
}
"""Per layer array: (input_size, channels, kernel sizes, dilations, head size)."""

LSTM_PRESETS = {(1, 24): "Standard", (2, 8): "Lite", (1, 16): "Feather", (1, 12): "Nano"}
"""(num_layers, hidden_size) of the trainer's LSTM presets."""


def _wavenet_signature(config: ModelConfig) -> tuple[tuple[Any, ...], ...] | None:
    """The preset-relevant shape of a WaveNet, or None if it uses features no preset has."""
    if getattr(config, "condition_dsp", None) is not None or getattr(config, "post_head", None) is not None:
        return None
    signature = []
    for a in config.layer_arrays:  # type: ignore[attr-defined]
        plain = (a.bottleneck == a.channels and a.layer1x1_active and not a.head1x1_active
                 and a.head_kernel_size == 1 and a.slimmable_channels is None
                 and all(mode.name == "NONE" for mode in a.gating_modes))
        if not plain:
            return None
        signature.append((a.input_size, a.channels, a.kernel_sizes, a.dilations, a.head_size))
    return tuple(signature)


def size_class(config: ModelConfig) -> str:
    """"Standard", "Lite", "Feather" or "Nano" when ``config`` is built like that trainer preset.

    Anything else is "custom".

    A SlimmableContainer is classed by its full-size (last) submodel.
    """
    architecture = config.architecture
    if architecture == "SlimmableContainer":
        return size_class(config.submodels[-1].config)  # type: ignore[attr-defined]
    if architecture == "LSTM":
        return LSTM_PRESETS.get((config.num_layers, config.hidden_size), CUSTOM)  # type: ignore[attr-defined]
    if architecture == "WaveNet":
        return WAVENET_PRESETS.get(_wavenet_signature(config), CUSTOM)  # type: ignore[arg-type]
    return CUSTOM
