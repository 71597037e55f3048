"""SlimmableContainer: several complete models of one capture, at increasing sizes.

``config.submodels`` is a list of ``{"max_value": m, "model": <a whole .nam document>}`` sorted by
``max_value``. The size control ``slim`` ∈ [0, 1] picks the first submodel with ``slim < m``
(the last one when none), as NeuralAmpModelerCore's ``SetSlimmableSize`` does; with no size
chosen the container plays its last (full-size) submodel. Only the active submodel runs:
process, reset and prewarm go to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nam_web.errors import NamFileError, NamWebError
from nam_web.models import build, parse_config, register
from nam_web.models.base import EngineOptions, Model, ModelConfig, WeightLayout
from nam_web.namfile import NamDocument, require

MAX_SUBMODELS = 16


@dataclass(frozen=True)
class Submodel:
    """One size of the capture: played for slim values below ``max_value``."""

    max_value: float
    document: NamDocument
    config: ModelConfig
    at: str
    """JSON path of the nested document (``$.config.submodels[1].model``), for error messages."""


@dataclass(frozen=True)
class ContainerConfig(ModelConfig):
    architecture = "SlimmableContainer"
    submodels: tuple[Submodel, ...]

    @classmethod
    def from_json(cls, config: dict[str, Any], at: str = "$.config") -> ContainerConfig:
        entries = require(config, "submodels", list, at)
        if not entries:
            raise NamFileError("a SlimmableContainer needs at least one submodel", f"{at}.submodels")
        if len(entries) > MAX_SUBMODELS:
            raise NamFileError(f"{len(entries)} submodels; at most {MAX_SUBMODELS} are supported",
                               f"{at}.submodels")
        submodels: list[Submodel] = []
        for i, entry in enumerate(entries):
            where = f"{at}.submodels[{i}]"
            max_value = float(require(entry, "max_value", (int, float), where))
            if submodels and max_value <= submodels[-1].max_value:
                raise NamFileError(f"max_value {max_value:g} must be larger than the previous submodel's "
                                   f"({submodels[-1].max_value:g}); submodels go from small to large",
                                   f"{where}.max_value")
            document = NamDocument.from_json(require(entry, "model", dict, where), f"{where}.model")
            submodels.append(Submodel(max_value, document, parse_config(document, f"{where}.model"),
                                      f"{where}.model"))
        if submodels[-1].max_value < 1.0:
            raise NamFileError(f"the last submodel's max_value is {submodels[-1].max_value:g}; it must be "
                               "≥ 1.0 so every size has a model",
                               f"{at}.submodels[{len(submodels) - 1}].max_value")
        return cls(tuple(submodels))

    def weight_layout(self) -> WeightLayout:
        """Empty: every submodel carries its own weights, laid out by its own config."""
        return []

    @property
    def receptive_field(self) -> int:
        return self.submodels[-1].config.receptive_field

    def macs_per_sample(self) -> int:
        return self.submodels[-1].config.macs_per_sample()

    def index_for(self, slim: float | None) -> int:
        """The submodel NAM Core plays at size ``slim`` (None: full size, the last one)."""
        if slim is None:
            return len(self.submodels) - 1
        return next((i for i, s in enumerate(self.submodels) if slim < s.max_value), len(self.submodels) - 1)

    def summary(self) -> dict[str, Any]:
        return {"submodels": [{"max_value": s.max_value, "architecture": s.document.architecture,
                               **s.config.summary()} for s in self.submodels]}


class SlimmableContainer(Model):
    """Plays one submodel at a time; :meth:`set_slim` switches (reset + prewarm of the new one)."""

    def __init__(self, config: ContainerConfig, weights: np.ndarray, sample_rate: float | None,
                 options: EngineOptions) -> None:
        self.config = config
        for sub in config.submodels:
            if sample_rate is not None and sub.document.sample_rate not in (None, sample_rate):
                raise NamFileError(f"submodel sample rate {sub.document.sample_rate:g} Hz differs from the "
                                   f"container's {sample_rate:g} Hz", f"{sub.at}.sample_rate")
        full_size = config.submodels[-1].document
        self.sample_rate = sample_rate if sample_rate is not None else full_size.sample_rate
        # The size picks a submodel; the submodels themselves play at their own full size.
        inner = EngineOptions(slim=None, fast_tanh=options.fast_tanh)
        self.engines = [build(s.document, inner, s.at) for s in config.submodels]
        self.active_index = config.index_for(options.slim)

    @property
    def active(self) -> Model:
        """The submodel now playing."""
        return self.engines[self.active_index]

    @property
    def slim_breakpoints(self) -> tuple[float, ...]:
        return tuple(s.max_value for s in self.config.submodels[:-1])

    def set_slim(self, value: float) -> None:
        if not 0.0 <= value <= 1.0:
            raise NamWebError(f"slim must be in [0, 1], got {value}")
        index = self.config.index_for(value)
        if index != self.active_index:
            self.engines[index].prewarm()
            self.active_index = index

    @property
    def prewarm_samples(self) -> int:
        return self.active.prewarm_samples

    @property
    def receptive_field(self) -> int:
        return self.active.receptive_field

    def reset(self) -> None:
        self.active.reset()

    def prewarm(self) -> None:
        self.active.prewarm()

    def process(self, x: np.ndarray) -> np.ndarray:
        return self.active.process(x)


register(ContainerConfig, SlimmableContainer)
