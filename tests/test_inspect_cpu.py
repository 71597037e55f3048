"""CPU load per block size (timed; only the shape of the answer and the refusal are checked)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MODELS
from nam_web import models, namfile
from nam_web.errors import NamWebError
from nam_web.inspect.cpu import cpu_load


def test_cpu_load_per_block_size() -> None:
    engine = models.load(MODELS / "wavenet.nam")
    loads = cpu_load(engine, 48000, block_sizes=(64, 256), seconds=0.02, warmup_seconds=0.01)
    assert list(loads) == [64, 256] and all(0 < v < 100 for v in loads.values())


def test_a_model_far_beyond_real_time_is_not_timed() -> None:
    taps = 1 << 20
    doc = namfile.NamDocument("0.5.4", "Linear", {"receptive_field": taps, "bias": False}, np.zeros(taps))
    with pytest.raises(NamWebError, match="1,048,576 multiply-adds per sample is far beyond real time"):
        cpu_load(models.build(doc), 48000)
