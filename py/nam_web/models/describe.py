"""Engine facts about a .nam document: size, cost and structure, as one dataclass.

Used by ``nam-web info`` and meant for every place that shows a model (inspector, player,
server). Parameters count every weight of the file, nested models (container submodels, a
WaveNet's condition DSP) included; receptive field and MACs are those of the full-size model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from nam_web import models
from nam_web.models.base import ModelConfig
from nam_web.models.size_class import size_class
from nam_web.namfile import NamDocument


@dataclass(frozen=True)
class SubmodelFacts:
    """One size of a SlimmableContainer: played for slim values below ``max_value``."""

    max_value: float
    facts: ModelFacts


@dataclass(frozen=True)
class ModelFacts:
    """What a guitarist or DSP engineer wants to know about a model before playing it."""

    architecture: str
    version: str
    sample_rate: float | None
    """Hz; None when the file does not say (NAM then assumes 48 kHz)."""
    size_class: str
    """"Standard", "Lite", "Feather", "Nano" (the trainer's presets) or "custom"."""
    parameters: int
    receptive_field_samples: int
    receptive_field_ms: float
    macs_per_sample: int
    """Multiply-accumulates per output sample (a CPU-cost estimate)."""
    summary: dict[str, Any]
    submodels: list[SubmodelFacts] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def nested_documents(config: ModelConfig, at: str = "$") -> list[tuple[str, str, NamDocument]]:
    """The complete models nested in a parsed config as ``(label, json_path, document)``.

    ``at`` is the JSON path of the document ``config`` came from. Container submodels are
    labelled with the slim value they play below ("submodel1 (slim < 1)"); a WaveNet's
    condition DSP as "condition_dsp".
    """
    found = [(f"submodel{i} (slim < {s.max_value:g})", s.at, s.document)
             for i, s in enumerate(getattr(config, "submodels", ()))]
    condition = getattr(config, "condition_dsp", None)
    if isinstance(condition, NamDocument):
        found.append(("condition_dsp", f"{at}.config.condition_dsp", condition))
    return found


def _parameters(doc: NamDocument, config: ModelConfig, at: str) -> int:
    """Every weight of ``doc`` and of the models nested in it."""
    nested = [(d, models.parse_config(d, path), path) for _, path, d in nested_documents(config, at)]
    return int(doc.weights.size) + sum(_parameters(*n) for n in nested)


def facts(doc: NamDocument, at: str = "$") -> ModelFacts:
    """Check ``doc`` (raises :class:`~nam_web.errors.NamFileError`) and gather its engine facts."""
    config = models.parse_config(doc, at)
    submodels = [SubmodelFacts(sub.max_value, facts(sub.document, sub.at))
                 for sub in getattr(config, "submodels", ())]
    rf = config.receptive_field
    return ModelFacts(
        architecture=doc.architecture,
        version=doc.version,
        sample_rate=doc.sample_rate,
        size_class=size_class(config),
        parameters=_parameters(doc, config, at),
        receptive_field_samples=rf,
        receptive_field_ms=1000.0 * rf / doc.effective_sample_rate,
        macs_per_sample=config.macs_per_sample(),
        summary=config.summary(),
        submodels=submodels,
    )
