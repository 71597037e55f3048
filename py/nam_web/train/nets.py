"""The trainable torch models: WaveNet and LSTM, built from a .nam ``config`` (format 0.5.x).

Their flat ``export_weights()`` follows the .nam weight order exactly (the order NAM Core and
:mod:`nam_web.models` read), so an exported file plays identically in every engine:

* WaveNet, per layer array: rechannel (1×1, no bias); per layer: dilated conv (weight, bias),
  input mixer (1×1, no bias), 1×1 (weight, bias); head rechannel (1×1, bias if ``head_bias``);
  after all arrays: ``head_scale``. Conv weights are flattened (out, in, kernel).
* LSTM, per layer: [W_ih | W_hh] row-major (gates i, f, g, o), b_ih + b_hh, initial hidden,
  initial cell; then the linear head (weights, bias).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

LSTM_SETTLE_SAMPLES = 48_000
"""The exported LSTM initial state is the state after this much silence (as the NAM trainer does)."""


def _flat(*tensors: torch.Tensor) -> torch.Tensor:
    return torch.cat([t.detach().reshape(-1).cpu().double() for t in tensors])


class LayerArray(nn.Module):
    """One stack of dilated residual layers with its head path (see module docstring)."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        super().__init__()
        c, k = cfg["channels"], cfg["kernel_size"]
        self.gated = bool(cfg["gated"])
        mid = 2 * c if self.gated else c
        self.rechannel = nn.Conv1d(cfg["input_size"], c, 1, bias=False)
        self.convs = nn.ModuleList(nn.Conv1d(c, mid, k, dilation=d) for d in cfg["dilations"])
        self.mixers = nn.ModuleList(
            nn.Conv1d(cfg["condition_size"], mid, 1, bias=False) for _ in cfg["dilations"]
        )
        self.one_by_ones = nn.ModuleList(nn.Conv1d(c, c, 1) for _ in cfg["dilations"])
        self.head_rechannel = nn.Conv1d(c, cfg["head_size"], 1, bias=cfg["head_bias"])
        self.channels = c
        self.receptive_field = 1 + (k - 1) * sum(cfg["dilations"])

    def forward(
        self, x: torch.Tensor, c: torch.Tensor, head: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """x: (B, C_in, L) → (B, C, L − RF + 1) residual and head outputs; ``c`` is the condition."""
        x = self.rechannel(x)
        for conv, mixer, one_by_one in zip(self.convs, self.mixers, self.one_by_ones, strict=True):
            z = conv(x)
            n = z.shape[-1]
            z = z + mixer(c[..., -n:])
            a = (
                torch.tanh(z[:, : self.channels]) * torch.sigmoid(z[:, self.channels :])
                if self.gated
                else torch.tanh(z)
            )
            head = a if head is None else head[..., -n:] + a
            x = x[..., -n:] + one_by_one(a)
        return x, self.head_rechannel(head)

    def weight_tensors(self) -> list[torch.Tensor]:
        """This array's parameters in .nam file order."""
        parts = [self.rechannel.weight]
        for conv, mixer, one_by_one in zip(self.convs, self.mixers, self.one_by_ones, strict=True):
            parts += [conv.weight, conv.bias, mixer.weight, one_by_one.weight, one_by_one.bias]
        parts.append(self.head_rechannel.weight)
        if self.head_rechannel.bias is not None:
            parts.append(self.head_rechannel.bias)
        return parts


class WaveNet(nn.Module):
    """NAM's WaveNet: layer arrays chained through their head paths, output × ``head_scale``."""

    architecture = "WaveNet"

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        if config.get("head") is not None:
            raise ValueError("WaveNet configs with a post-head are not trainable here")
        self.config = config
        self.arrays = nn.ModuleList(LayerArray(cfg) for cfg in config["layers"])
        self.head_scale = float(config["head_scale"])
        self.receptive_field = 1 + sum(a.receptive_field - 1 for a in self.arrays)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (B, L) → (B, L − RF + 1): one output per full receptive field of input."""
        x = x[:, None, :]
        c, head = x, None
        for array in self.arrays:
            x, head = array(x, c, head)
        return self.head_scale * head[:, 0, :]

    def weight_tensors(self) -> list[torch.Tensor]:
        """Every parameter in .nam file order (``head_scale``, a constant, follows them in the file)."""
        return [t for array in self.arrays for t in array.weight_tensors()]

    def export_weights(self) -> torch.Tensor:
        scale = torch.tensor([self.head_scale], dtype=torch.float64)
        return torch.cat([_flat(*self.weight_tensors()), scale])


class LSTM(nn.Module):
    """Stacked LSTM and a linear head; inputs carry ``context`` samples of burn-in before the scored part."""

    architecture = "LSTM"

    def __init__(self, config: dict[str, Any], context: int = 2048) -> None:
        super().__init__()
        self.config = config
        self.core = nn.LSTM(
            config["input_size"], config["hidden_size"], config["num_layers"], batch_first=True
        )
        self.head = nn.Linear(config["hidden_size"], 1)
        self.receptive_field = context + 1
        """Treated like a receptive field by the data pipeline: the burn-in the model needs."""

    def forward(
        self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> torch.Tensor:
        """x: (B, L) → (B, L − context): outputs after the burn-in."""
        features, _ = self.core(x[:, :, None], state)
        return self.head(features[:, self.receptive_field - 1 :, :])[..., 0]

    def settled_state(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(h, c), each (layers, 1, hidden): the state after :data:`LSTM_SETTLE_SAMPLES` of silence."""
        zeros = torch.zeros((1, LSTM_SETTLE_SAMPLES, 1), device=self.head.weight.device)
        with torch.no_grad():
            _, (h, c) = self.core(zeros)
        return h, c

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Full-length output (B, L) from the exported (settled) initial state, as the plugin plays it."""
        h, c = self.settled_state()
        features, _ = self.core(
            x[:, :, None],
            (h.expand(-1, x.shape[0], -1).contiguous(), c.expand(-1, x.shape[0], -1).contiguous()),
        )
        return self.head(features)[..., 0]

    def export_weights(self) -> torch.Tensor:
        h, c = self.settled_state()
        parts = []
        for i in range(self.core.num_layers):
            w = torch.cat(
                [getattr(self.core, f"weight_ih_l{i}"), getattr(self.core, f"weight_hh_l{i}")], dim=1
            )
            b = getattr(self.core, f"bias_ih_l{i}") + getattr(self.core, f"bias_hh_l{i}")
            parts += [w, b, h[i, 0], c[i, 0]]
        return _flat(*parts, self.head.weight, self.head.bias)


def build(architecture: str, config: dict[str, Any]) -> WaveNet | LSTM:
    """The torch model for a .nam ``architecture`` name and ``config``."""
    if architecture == "WaveNet":
        return WaveNet(config)
    if architecture == "LSTM":
        return LSTM(config)
    raise ValueError(f"cannot train architecture {architecture!r} (WaveNet or LSTM)")


def predict(model: WaveNet | LSTM, x: torch.Tensor) -> torch.Tensor:
    """Full-length output for (B, L) input, starting from silence, exactly as the exported model plays."""
    if isinstance(model, LSTM):
        return model.predict(x)
    pad = torch.zeros((x.shape[0], model.receptive_field - 1), dtype=x.dtype, device=x.device)
    return model(torch.cat((pad, x), dim=1))
