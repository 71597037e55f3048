"""Where each named weight tensor sits in a .nam file's flat ``weights`` list.

The names and shapes come from the config's own :meth:`~nam_web.models.base.ModelConfig.weight_layout`
(the order its engine reads them in); this module adds each tensor's offset for the weight tables.
A grouped convolution's shape is ``(groups, out/groups, in/groups, kernel)``: exactly the numbers
the file stores. A layout that does not add up to the file's weight count is shown as one
"weights" block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nam_web import models
from nam_web.namfile import NamDocument


@dataclass(frozen=True)
class WeightBlock:
    """One named tensor: ``weights[offset : offset + size]`` reshaped to ``shape`` (row-major)."""

    name: str
    shape: tuple[int, ...]
    offset: int

    @property
    def size(self) -> int:
        return math.prod(self.shape)


def weight_layout(doc: NamDocument, config: models.ModelConfig | None = None) -> list[WeightBlock]:
    """The named blocks covering ``doc.weights`` in file order (one "weights" block if they do not).

    ``config`` is the parsed config (parsed here when not given; raises NamFileError if invalid).
    """
    config = config or models.parse_config(doc)
    blocks, offset = [], 0
    for name, shape in config.weight_layout():
        blocks.append(WeightBlock(name, tuple(int(n) for n in shape), offset))
        offset += blocks[-1].size
    if offset != doc.weights.size:
        return [WeightBlock("weights", (int(doc.weights.size),), 0)] if doc.weights.size else []
    return [b for b in blocks if b.size]
