"""Parity with NeuralAmpModelerCore: every render in fixtures/reference/MANIFEST.json.

Each configuration is rendered the way NAM Core's ``tools/render`` does: load, pick the slimmable
size (``--slim``), prewarm on silence, then process the input in 64-sample blocks. Included
renders must match on every sample to 1e-4 (the reference's own -Ofast vs -O3 spread is 2.6e-5);
renders that were left out but are bit-identical to a stored one are compared with that file;
the rest are checked against the manifest's peak / RMS / mean.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
from conftest import FIXTURES, REFERENCE
from nam_web import models, namfile, wav
from nam_web.dsp.base import in_blocks
from nam_web.models.base import EngineOptions

BLOCK = 64
TOLERANCE = 1e-4
MANIFEST = json.loads((REFERENCE / "MANIFEST.json").read_text())["outputs"]


@functools.cache
def render(model: str, source: str, slim: float | None) -> np.ndarray:
    """Output of ``model`` for ``source`` (paths relative to the fixtures), as NAM Core renders it."""
    engine = models.build(namfile.load(FIXTURES / model), EngineOptions(slim=slim))
    audio = wav.read(FIXTURES / source)
    assert engine.sample_rate in (None, audio.sample_rate), "render refuses a sample-rate mismatch"
    engine.prewarm()
    x = audio.mono()
    return in_blocks(engine.process, x, BLOCK)


def _rendered(entry: dict) -> np.ndarray:
    return render(entry["model"], entry["input"], entry["slim"])


def _assert_close(ours: np.ndarray, reference: np.ndarray, name: str) -> None:
    assert ours.dtype == np.float32 and ours.shape == reference.shape
    error = np.abs(ours.astype(np.float64) - reference)
    worst = int(np.argmax(error))
    peak = float(np.max(np.abs(reference)))
    assert error[worst] <= TOLERANCE, (
        f"{name}: max |error| {error[worst]:.3g} at sample {worst} (ours {ours[worst]:.6g}, NAM Core "
        f"{reference[worst]:.6g}; {error[worst] / peak:.3g} of peak {peak:.3g}); "
        f"{int(np.sum(error > TOLERANCE))} samples over {TOLERANCE}"
    )


def _ids(entries: list[dict]) -> list[str]:
    return [e["output_name"].removesuffix(".wav") for e in entries]


INCLUDED = [e for e in MANIFEST if e["included"]]
EQUAL_TO_STORED = [e for e in MANIFEST if not e["included"] and e["bitwise_equal_to"]]
STATS_ONLY = [e for e in MANIFEST if not e["included"] and not e["bitwise_equal_to"]]


@pytest.mark.parametrize("entry", INCLUDED, ids=_ids(INCLUDED))
def test_matches_stored_render(entry: dict) -> None:
    reference = wav.read(FIXTURES / entry["output"]).mono().astype(np.float64)
    _assert_close(_rendered(entry), reference, entry["output_name"])


@pytest.mark.parametrize("entry", EQUAL_TO_STORED, ids=_ids(EQUAL_TO_STORED))
def test_matches_render_it_is_identical_to(entry: dict) -> None:
    reference = wav.read(FIXTURES / entry["bitwise_equal_to"]).mono().astype(np.float64)
    _assert_close(_rendered(entry), reference, f"{entry['output_name']} (= {entry['bitwise_equal_to']})")


@pytest.mark.parametrize("entry", STATS_ONLY, ids=_ids(STATS_ONLY))
def test_matches_manifest_statistics(entry: dict) -> None:
    y = _rendered(entry).astype(np.float64)
    assert y.size == entry["num_samples"]
    peak, rms, mean = float(np.max(np.abs(y))), float(np.sqrt(np.mean(y * y))), float(np.mean(y))
    scale = max(entry["peak"], 1e-3)
    assert rms == pytest.approx(entry["rms"], rel=TOLERANCE), f"RMS {rms} vs NAM Core {entry['rms']}"
    assert peak == pytest.approx(entry["peak"], abs=TOLERANCE * scale), f"peak {peak} vs {entry['peak']}"
    assert mean == pytest.approx(entry["mean"], abs=TOLERANCE * scale), f"mean {mean} vs {entry['mean']}"
    if entry["model"].startswith("models/identity_"):
        # NAM Core's output equals the input here (README): check every sample, not just the stats.
        _assert_close(y.astype(np.float32), wav.read(FIXTURES / entry["input"]).mono().astype(np.float64),
                      entry["output_name"])


def test_every_manifest_render_is_checked() -> None:
    assert len(INCLUDED) + len(EQUAL_TO_STORED) + len(STATS_ONLY) == len(MANIFEST)
    assert {e["model"] for e in MANIFEST} == {f"models/{p.name}" for p in (FIXTURES / "models").glob("*.nam")}
