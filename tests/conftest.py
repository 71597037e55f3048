"""Shared test fixtures: where the NAM reference material lives (../shared/fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures"
MODELS = FIXTURES / "models"
AUDIO = FIXTURES / "audio"
REFERENCE = FIXTURES / "reference"


@pytest.fixture(scope="session")
def manifest() -> dict:
    """The reference renders' MANIFEST.json (NeuralAmpModelerCore outputs)."""
    return json.loads((REFERENCE / "MANIFEST.json").read_text())
