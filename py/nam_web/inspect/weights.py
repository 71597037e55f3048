"""Per-tensor weight statistics and histograms, for the inspector's weights view.

Nested models (the submodels of a slimmable container, a WaveNet's condition DSP) are listed
after their parent with a path prefix such as ``submodel1 (slim < 1)/``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from nam_web import models
from nam_web.inspect.layout import weight_layout
from nam_web.models.describe import nested_documents
from nam_web.namfile import NamDocument

HISTOGRAM_BINS = 40


@dataclass(frozen=True)
class WeightTable:
    """Shape and statistics of one named weight tensor; ``histogram`` is (bin edges, counts)."""

    name: str
    shape: tuple[int, ...]
    offset: int
    count: int
    min: float
    max: float
    mean: float
    std: float
    zeros: int
    nonfinite: int
    histogram: tuple[list[float], list[int]]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def tensor_stats(name: str, values: np.ndarray, shape: tuple[int, ...], offset: int = 0,
                 bins: int = HISTOGRAM_BINS) -> WeightTable:
    """Statistics of one tensor (non-finite values are counted and left out of the rest)."""
    finite = values[np.isfinite(values)]
    if finite.size:
        counts, edges = np.histogram(finite, bins=bins)
        lo, hi, mean, std = (float(finite.min()), float(finite.max()), float(finite.mean()),
                             float(finite.std()))
    else:
        counts, edges = np.zeros(0, dtype=np.int64), np.zeros(0)
        lo = hi = mean = std = float("nan")
    return WeightTable(name, shape, offset, int(values.size), lo, hi, mean, std,
                       int(np.count_nonzero(values == 0)), int(values.size - finite.size),
                       (edges.tolist(), counts.tolist()))


def weight_tables(doc: NamDocument, bins: int = HISTOGRAM_BINS, prefix: str = "",
                  at: str = "$") -> list[WeightTable]:
    """One table per named weight tensor of ``doc`` and of every model nested in it."""
    config = models.parse_config(doc, at)
    tables = []
    for block in weight_layout(doc, config):
        values = doc.weights[block.offset: block.offset + block.size]
        tables.append(tensor_stats(prefix + block.name, values, block.shape, block.offset, bins))
    for label, path, sub in nested_documents(config, at):
        tables += weight_tables(sub, bins, f"{prefix}{label}/", path)
    return tables
