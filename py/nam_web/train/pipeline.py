"""One capture, start to finish: read the WAVs, check them, train, export, report.

Shared by ``nam-web train`` and the training server's worker processes. A job directory holds
``checkpoint.pt`` (resume point), ``model.nam``, ``residual.wav`` (the null test: target minus
prediction on the validation segment) and ``report.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nam_web import namfile, wav
from nam_web.train.checks import Analysis, require_pass
from nam_web.train.export import to_document
from nam_web.train.loop import EpochReport, TrainConfig, Trainer
from nam_web.train.metadata import UserMetadata

QUALITY_BANDS = (
    (0.01, "great"),
    (0.035, "not bad"),
    (0.1, "might sound ok"),
    (0.3, "probably won't sound great"),
)
"""The NAM trainer's verdicts on validation ESR: below each bound, that verdict (above all: gone wrong)."""

PLOT_POINTS = 2000
"""Points per curve in the report's target-vs-prediction plot."""


def quality(esr: float) -> str:
    """The NAM trainer's plain-language verdict for a validation ESR."""
    for bound, verdict in QUALITY_BANDS:
        if esr < bound:
            return verdict
    return "something seems to have gone wrong"


def plot_window(target: np.ndarray, prediction: np.ndarray, sample_rate: int) -> dict[str, Any]:
    """A 50 ms stretch of the loudest part of the validation segment, both curves, for plotting."""
    n = min(int(0.05 * sample_rate), target.size)
    energy = np.convolve(target.astype(np.float64) ** 2, np.ones(n), mode="valid")
    start = int(np.argmax(energy)) if energy.size else 0
    step = max(1, n // PLOT_POINTS)
    return {
        "start_seconds": start / sample_rate,
        "step_seconds": step / sample_rate,
        "target": target[start : start + n : step].round(5).tolist(),
        "prediction": prediction[start : start + n : step].round(5).tolist(),
    }


@dataclass
class Outcome:
    """What a finished training run produced."""

    model_path: Path
    residual_path: Path
    report: dict[str, Any]


def train_capture(
    analysis: Analysis,
    config: TrainConfig,
    job_dir: str | Path,
    *,
    user: UserMetadata | None = None,
    ignore_checks: bool = False,
    on_epoch: Callable[[EpochReport], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Outcome:
    """Train on an analysed pair, export ``model.nam`` and write the report into ``job_dir``.

    Resumes from ``job_dir/checkpoint.pt`` when it exists. Raises on failed checks (unless
    ``ignore_checks``) and :class:`~nam_web.train.loop.Cancelled` on cancellation.
    """
    if not ignore_checks:
        require_pass(analysis)
    job_dir = Path(job_dir)
    job_dir.mkdir(parents=True, exist_ok=True)
    trainer = Trainer(analysis, config, job_dir / "checkpoint.pt", on_epoch, should_stop)
    result = trainer.run()
    prediction = trainer.validation_prediction()
    v0, v1 = analysis.layout.validation
    target = analysis.y[v0:v1]
    rate = analysis.layout.sample_rate
    doc = to_document(
        result.model,
        analysis,
        validation_esr=result.best_esr,
        user=user,
        ignore_checks=ignore_checks,
        extra={
            "nam_web": {
                "preset": config.arch,
                "epochs": result.history[-1].epoch if result.history else 0,
                "best_epoch": result.best_epoch,
            }
        },
    )
    model_path = job_dir / "model.nam"
    namfile.save(doc, model_path)
    residual_path = job_dir / "residual.wav"
    wav.write(residual_path, target - prediction, rate)
    report = {
        "validation_esr": result.best_esr,
        "quality": quality(result.best_esr),
        "best_epoch": result.best_epoch,
        "stopped": result.stopped,
        "seconds": result.seconds,
        "history": [asdict(h) for h in result.history],
        "plot": plot_window(target, prediction, rate),
        "checks": analysis.summary(),
        "loudness_db": doc.metadata["loudness"],
        "gain": doc.metadata["gain"],
        "architecture": config.arch,
    }
    (job_dir / "report.json").write_text(json.dumps(report), encoding="utf-8")
    return Outcome(model_path, residual_path, report)
