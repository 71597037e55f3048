"""nam_web inside Pyodide (Node + npm pyodide + the Pyodide NumPy wheel) renders what CPython renders."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from conftest import AUDIO, MODELS, ROOT
from nam_web import wav
from nam_web.models import load

sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from engine import pyodide_missing, run_in_pyodide

pytestmark = pytest.mark.pyodide

BLOCK = 128
CASES = ("wavenet_condition_dsp.nam", "wavenet_a1_standard.nam")
TOLERANCE = 3e-5
"""Absolute. Pyodide sums products with einsum, CPython with BLAS, in a different order; the
20-layer A1 model amplifies that float32 rounding to ~1e-5 (NAM Core's own -O3 and -Ofast builds
differ by 2.6e-5 on it)."""


@pytest.mark.parametrize("blas", [True, False], ids=["openblas", "numpy-only"])
def test_pyodide_output_equals_cpython(blas: bool) -> None:
    """With Pyodide's OpenBLAS loaded (when the package folder has it) and without."""
    reason = pyodide_missing()
    if reason:
        pytest.skip(reason)
    x = wav.read(AUDIO / "di10.wav").samples[48000:72000, 0].copy()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "input.f32").write_bytes(x.astype(np.float32).tobytes())
        outputs = [str(work / f"{i}.f32") for i in range(len(CASES))]
        job = {"task": "render", "models": [str(MODELS / m) for m in CASES], "input": str(work / "input.f32"),
               "block": BLOCK, "outputs": outputs}
        result = run_in_pyodide(job, work, timeout=120, blas=blas)
        assert result.returncode == 0, result.stderr[-2000:]
        if not blas:
            assert '{"sgemm": false}' in result.stdout
        for name, out in zip(CASES, outputs, strict=True):
            model = load(MODELS / name)
            expected = np.concatenate([model.process(x[i:i + BLOCK]) for i in range(0, x.size, BLOCK)])
            got = np.fromfile(out, dtype=np.float32)
            assert got.shape == expected.shape
            assert np.max(np.abs(got - expected)) < TOLERANCE, name
