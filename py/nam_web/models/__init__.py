"""Streaming engines for every NAM architecture, and the registry that maps names to them.

``ARCHITECTURES`` maps an architecture name (as in a .nam file) to its config dataclass and its
engine class. :func:`build` turns a checked :class:`~nam_web.namfile.NamDocument` into a
ready-to-run engine; :func:`load` does the same from a path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nam_web import namfile
from nam_web.errors import NamFileError
from nam_web.models.base import EngineOptions, Model, ModelConfig


@dataclass(frozen=True)
class Architecture:
    """One registered architecture: its config type and its engine type."""

    name: str
    config_type: type[ModelConfig]
    engine_type: type[Model]


ARCHITECTURES: dict[str, Architecture] = {}


def register(config_type: type[ModelConfig], engine_type: type[Model]) -> None:
    """Make an architecture loadable under ``config_type.architecture``."""
    ARCHITECTURES[config_type.architecture] = Architecture(config_type.architecture, config_type, engine_type)


def architecture_of(doc: namfile.NamDocument, at: str = "$") -> Architecture:
    try:
        return ARCHITECTURES[doc.architecture]
    except KeyError:
        known = ", ".join(sorted(ARCHITECTURES))
        raise NamFileError(f"unknown architecture {doc.architecture!r} (known: {known})",
                           f"{at}.architecture") from None


def parse_config(doc: namfile.NamDocument, at: str = "$") -> ModelConfig:
    """Parse ``doc.config`` for its architecture and check the weight count against it."""
    config = architecture_of(doc, at).config_type.from_json(doc.config, f"{at}.config")
    expected = config.num_weights()
    if expected != doc.weights.size:
        raise NamFileError(
            f"expected {expected} weights from config, file has {doc.weights.size}", f"{at}.weights"
        )
    return config


def build(doc: namfile.NamDocument, options: EngineOptions | None = None, at: str = "$") -> Model:
    """Validate ``doc`` and construct its streaming engine (reset, not yet prewarmed).

    Engines are constructed as ``Engine(config, weights_float32, sample_rate, options)``.
    """
    arch = architecture_of(doc, at)
    config = parse_config(doc, at)
    weights = doc.weights.astype(np.float32)
    return arch.engine_type(config, weights, doc.sample_rate, options or EngineOptions())


def load(path: str | Path, options: EngineOptions | None = None) -> Model:
    """Read a .nam file and build its engine, prewarmed and ready to play."""
    model = build(namfile.load(path), options)
    model.prewarm()
    return model


def _register_builtin() -> None:
    from nam_web.models import container, convnet, linear, lstm, wavenet  # noqa: F401  (they register)


_register_builtin()

__all__ = ["ARCHITECTURES", "Architecture", "EngineOptions", "Model", "ModelConfig", "build", "load",
           "parse_config", "register"]
