"""The streaming-engine protocol every NAM architecture implements.

An engine turns float32 mono blocks into float32 mono blocks. State is carried between
calls, so the output for a signal never depends on how it is cut into blocks.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np

from nam_web.errors import NamWebError

PREWARM_BLOCK = 64
"""Block size (samples) NAM Core's prewarm feeds silence in; matching it matches the reference."""

WeightLayout = list[tuple[str, tuple[int, ...]]]
"""Named tensors ``[(name, shape), ...]`` in the order a .nam file's flat ``weights`` list stores them."""


@dataclass(frozen=True)
class ModelConfig(ABC):
    """An architecture's typed ``config``, parsed and checked from the .nam JSON."""

    architecture: ClassVar[str]

    @classmethod
    @abstractmethod
    def from_json(cls, config: dict[str, Any], at: str = "$.config") -> Self:
        """Parse and validate; raise :class:`~nam_web.errors.NamFileError` naming the JSON path."""

    @abstractmethod
    def weight_layout(self) -> WeightLayout:
        """Every tensor this config reads from the flat ``weights`` list, as ``(name, shape)`` in file order.

        Each tensor is stored row-major; the sizes add up to :meth:`num_weights`. This is the one
        description of the file's weight order: engines unpack with it (:func:`split_weights`) and
        the inspector names its weight tables after it. Empty when the model has no weights of its own.
        """

    def num_weights(self) -> int:
        """How many weights this config consumes from the flat ``weights`` list."""
        return sum(math.prod(shape) for _, shape in self.weight_layout())

    @property
    @abstractmethod
    def receptive_field(self) -> int:
        """Samples of past input that reach one output sample (1 = memoryless)."""

    @abstractmethod
    def macs_per_sample(self) -> int:
        """Multiply-accumulates per output sample (a CPU-cost estimate)."""

    def summary(self) -> dict[str, Any]:
        """A short human-oriented description of the architecture (for `info` and the inspector)."""
        return {}


def split_weights(layout: WeightLayout, weights: np.ndarray) -> dict[str, np.ndarray]:
    """The flat ``weights`` cut into the named tensors of ``layout`` (reshaped views, file order)."""
    tensors, offset = {}, 0
    for name, shape in layout:
        size = math.prod(shape)
        tensors[name] = weights[offset:offset + size].reshape(shape)
        offset += size
    return tensors


@dataclass(frozen=True)
class EngineOptions:
    """Run-time choices that apply to every engine (and to models nested inside it).

    ``slim``: for slimmable models, the size in [0, 1] (NAM Core's ``--slim``); None = full size.
    ``fast_tanh``: use the NAM plugin's fast tanh approximation instead of exact tanh.
    """

    slim: float | None = None
    fast_tanh: bool = False


class Model(ABC):
    """A streaming NAM engine: ``process`` float32 blocks, ``reset``/``prewarm`` like NAM Core."""

    config: ModelConfig
    sample_rate: float | None
    """The rate (Hz) the model was trained at, None when the file does not say."""

    latency: int = 0
    """Samples of delay the engine adds (0 for every NAM architecture)."""

    @abstractmethod
    def process(self, x: np.ndarray) -> np.ndarray:
        """Run one block of mono audio (any length ≥ 0) and return the same number of samples (float32)."""

    @abstractmethod
    def reset(self) -> None:
        """Forget all history, as if the input had always been silent zeros (before prewarm)."""

    @property
    def prewarm_samples(self) -> int:
        """Samples of silence NAM Core runs through the model before using its output."""
        return 0

    def prewarm(self) -> None:
        """Reset, then settle the state on silence exactly as NAM Core's ``prewarm()`` does."""
        self.reset()
        zeros = np.zeros(PREWARM_BLOCK, dtype=np.float32)
        done = 0
        while done < self.prewarm_samples:
            self.process(zeros)
            done += PREWARM_BLOCK

    @property
    def receptive_field(self) -> int:
        return self.config.receptive_field

    @property
    def slim_breakpoints(self) -> tuple[float, ...]:
        """Sizes in (0, 1) where a slimmable model switches (NAM Core's breakpoints); () if not slimmable."""
        return ()

    def set_slim(self, value: float) -> None:
        """Pick the model size ``value`` ∈ [0, 1] at run time (slimmable models; NAM Core's ``--slim``).

        A model that changes size resets and prewarms, so the new size starts settled.
        """
        raise NamWebError(f"{self.config.architecture} models are not slimmable")
