"""Export a trained torch model as a .nam file (format 0.5.x, which every NAM plugin loads).

Metadata follows the NAM trainer: ``date``, ``loudness`` (dB, RMS of the model's output for
the trainer's reference clip), ``gain`` (0–1, how compressed the model is), the user's gear
fields, and a ``training`` block (settings, latency calibration, data checks, validation ESR).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import torch

from nam_web import wav
from nam_web.namfile import NamDocument
from nam_web.train import loudness_clip, nets
from nam_web.train.checks import Analysis
from nam_web.train.metadata import UserMetadata

EXPORT_VERSION = "0.5.4"
"""The .nam format version written: the 0.5 line loads in every NAM plugin and player."""


def _output(model: nets.WaveNet | nets.LSTM, x: np.ndarray) -> np.ndarray:
    device = next(model.parameters()).device
    with torch.no_grad():
        y = nets.predict(model, torch.from_numpy(np.asarray(x, dtype=np.float32))[None].to(device))
    return y[0].double().cpu().numpy()


def loudness(model: nets.WaveNet | nets.LSTM, gain: float = 1.0, *, db: bool = True) -> float:
    """RMS of the model's output for the reference clip × ``gain`` (dB when ``db``)."""
    x = wav.read(loudness_clip.require()).mono()
    rms = float(np.sqrt(np.mean(_output(model, gain * x) ** 2)))
    return 20.0 * np.log10(max(rms, 1e-12)) if db else rms


def gain_metric(model: nets.WaveNet | nets.LSTM) -> float:
    """0 = linear (output grows with input), 1 = fully compressed (same loudness at every input level).

    Area under the loudness-vs-input-level curve for 11 levels from 0 to 1, placed between the
    triangle of a linear model and the square of a fully compressed one.
    """
    levels = np.linspace(0.0, 1.0, 11)
    curve = np.array([loudness(model, g, db=False) for g in levels])
    square = curve[-1] * levels.size
    triangle = 0.5 * square
    if square <= 0:
        return 0.0
    return float(np.clip((curve.sum() - triangle) / (square - triangle), 0.0, 1.0))


def _date(now: dt.datetime) -> dict[str, int]:
    return {
        "year": now.year,
        "month": now.month,
        "day": now.day,
        "hour": now.hour,
        "minute": now.minute,
        "second": now.second,
    }


def to_document(
    model: nets.WaveNet | nets.LSTM,
    analysis: Analysis,
    *,
    validation_esr: float,
    user: UserMetadata | None = None,
    ignore_checks: bool = False,
    extra: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> NamDocument:
    """The .nam document for a trained model (weights as exported float32 values, in file order)."""
    model.eval()
    weights = model.export_weights().float().double().numpy()
    metadata: dict[str, Any] = {
        "date": _date(now or dt.datetime.now()),
        "loudness": loudness(model),
        "gain": gain_metric(model),
    }
    metadata.update((user or UserMetadata()).to_json())
    metadata["training"] = {
        "settings": {"ignore_checks": ignore_checks},
        "data": {
            "latency": analysis.latency.to_metadata(),
            "checks": {
                "version": analysis.layout.checks_version,
                "passed": analysis.passed,
                "input": analysis.layout.kind,
                "results": [{"name": c.name, "status": c.status, "value": c.value} for c in analysis.checks],
            },
        },
        "validation_esr": float(validation_esr),
    }
    if extra:
        metadata["training"].update(extra)
    return NamDocument(
        EXPORT_VERSION,
        model.architecture,
        model.config,
        weights,
        float(analysis.layout.sample_rate),
        metadata,
    )
