"""Linear: a plain FIR filter, y[t] = Σ_k h[k]·x[t−k] (+ bias); the file stores the taps h, then the bias."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nam_web.errors import NamFileError
from nam_web.models import register
from nam_web.models.base import EngineOptions, Model, ModelConfig, WeightLayout, split_weights
from nam_web.namfile import require

MAX_TAPS = 1 << 20


@dataclass(frozen=True)
class LinearConfig(ModelConfig):
    architecture = "Linear"
    taps: int
    bias: bool

    @classmethod
    def from_json(cls, config: dict[str, Any], at: str = "$.config") -> LinearConfig:
        taps = require(config, "receptive_field", int, at)
        if not 1 <= taps <= MAX_TAPS:
            raise NamFileError(f"receptive_field {taps} is outside 1..{MAX_TAPS}", f"{at}.receptive_field")
        return cls(taps, bool(require(config, "bias", bool, at)))

    def weight_layout(self) -> WeightLayout:
        return [("taps", (self.taps,))] + ([("bias", (1,))] if self.bias else [])

    @property
    def receptive_field(self) -> int:
        return self.taps

    def macs_per_sample(self) -> int:
        return self.taps

    def summary(self) -> dict[str, Any]:
        return {"taps": self.taps, "bias": self.bias}


class Linear(Model):
    """Streaming FIR: keeps the last ``taps − 1`` input samples between blocks."""

    def __init__(self, config: LinearConfig, weights: np.ndarray, sample_rate: float | None,
                 options: EngineOptions) -> None:
        self.config = config
        self.sample_rate = sample_rate
        w = split_weights(config.weight_layout(), weights)
        self.h = w["taps"].astype(np.float32)
        self.bias = np.float32(w["bias"][0]) if config.bias else np.float32(0.0)
        self.history = np.zeros(config.taps - 1, dtype=np.float32)

    def reset(self) -> None:
        self.history[:] = 0.0

    def process(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if x.size == 0:
            return np.zeros(0, dtype=np.float32)
        window = np.concatenate((self.history, x))
        y = np.convolve(window, self.h, mode="valid").astype(np.float32)
        if self.history.size:
            self.history[:] = window[-self.history.size:]
        if self.config.bias:
            y += self.bias
        return y


register(LinearConfig, Linear)
