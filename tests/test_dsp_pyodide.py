"""The amp chain inside Pyodide (Node + npm pyodide + the Pyodide NumPy wheel) plays what CPython plays."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from chain import render, run_in_pyodide
from engine import pyodide_missing

pytestmark = pytest.mark.pyodide


def test_pyodide_chain_output_equals_cpython(tmp_path: Path) -> None:
    reason = pyodide_missing()
    if reason:
        pytest.skip(reason)
    rng = np.random.default_rng(0)
    x = (0.2 * rng.standard_normal(22050)).astype(np.float32)
    x[8000:12000] *= 1e-4  # quiet enough for the gate to close
    x.tofile(tmp_path / "in.f32")
    result = run_in_pyodide(["--render", "in.f32", "out.f32"], tmp_path, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    render(tmp_path / "in.f32", tmp_path / "cpython.f32", 128)
    got = np.fromfile(tmp_path / "out.f32", dtype=np.float32)
    expected = np.fromfile(tmp_path / "cpython.f32", dtype=np.float32)
    assert got.shape == expected.shape == x.shape
    assert np.abs(got - expected).max() < 1e-5
