"""What the inspector shows about a model, as plain JSON-ready data (page, CLI and tests alike).

:func:`describe` gathers the metadata (user fields, measured loudness/gain, training report),
the architecture summary and the engine facts (:func:`nam_web.models.describe.facts`: size class,
parameters, receptive field, MACs) of a document and of the models nested in it.
:func:`compare` lines two descriptions up for an A/B view.
"""

from __future__ import annotations

from typing import Any

from nam_web import models
from nam_web.inspect.metadata import FIELDS, problems
from nam_web.models.describe import facts, nested_documents
from nam_web.namfile import NamDocument

MEASURED_FIELDS = (("loudness", "Loudness (dBFS)"), ("gain", "Gain"))
FACTS = ("size_class", "parameters", "receptive_field_samples", "receptive_field_ms", "macs_per_sample")
"""The engine facts (from :func:`nam_web.models.describe.facts`) the overview shows."""


def _date(value: Any) -> str | None:
    """The trainer's ``{year, month, …}`` date as ``YYYY-MM-DD hh:mm:ss`` (None if absent or odd)."""
    keys = ("year", "month", "day", "hour", "minute", "second")
    if not isinstance(value, dict) or not all(isinstance(value.get(k), int) for k in keys):
        return None
    y, mo, d, h, mi, s = (value[k] for k in keys)
    return f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}"


def training_summary(metadata: dict[str, Any]) -> dict[str, Any] | None:
    """Validation ESR, latency calibration and data checks from the trainer's ``training`` block."""
    training = metadata.get("training")
    if not isinstance(training, dict):
        return None
    data = training.get("data") if isinstance(training.get("data"), dict) else {}
    latency = data.get("latency") if isinstance(data.get("latency"), dict) else {}
    calibration = latency.get("calibration") if isinstance(latency.get("calibration"), dict) else {}
    checks = data.get("checks") if isinstance(data.get("checks"), dict) else {}
    settings = training.get("settings") if isinstance(training.get("settings"), dict) else {}
    warnings = calibration.get("warnings") if isinstance(calibration.get("warnings"), dict) else {}
    return {
        "validation_esr": training.get("validation_esr"),
        "latency_manual_samples": latency.get("manual"),
        "latency_recommended_samples": calibration.get("recommended"),
        "latency_delays_samples": calibration.get("delays"),
        "latency_warnings": sorted(k for k, v in warnings.items() if v is True),
        "data_checks_passed": checks.get("passed"),
        "data_checks_version": checks.get("version"),
        "ignore_checks": settings.get("ignore_checks"),
    }


def describe(doc: NamDocument, at: str = "$") -> dict[str, Any]:
    """Everything the inspector's overview shows about ``doc`` (raises NamFileError if invalid)."""
    config = models.parse_config(doc, at)
    engine = facts(doc, at)
    metadata = doc.metadata or {}
    return {
        "version": doc.version,
        "architecture": doc.architecture,
        "sample_rate": doc.sample_rate,
        "metadata": {f.key: metadata.get(f.key) for f in FIELDS},
        "measured": {key: metadata.get(key) for key, _ in MEASURED_FIELDS},
        "date": _date(metadata.get("date")),
        "training": training_summary(metadata),
        "metadata_problems": problems(metadata),
        "facts": {key: getattr(engine, key) for key in FACTS},
        "summary": engine.summary,
        "nested": [{"label": label, **describe(sub, path)}
                   for label, path, sub in nested_documents(config, at)],
        "extra_keys": sorted(doc.extra),
    }


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(data, list) and any(isinstance(v, dict | list) for v in data):
        out = {}
        for i, value in enumerate(data):
            out.update(_flatten(value, f"{prefix}[{i}]"))
        return out
    return {prefix: data}


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Two :func:`describe` results side by side: ``[{key, a, b, same}]`` for every leaf value."""
    flat_a, flat_b = _flatten(a), _flatten(b)
    keys = list(flat_a) + [k for k in flat_b if k not in flat_a]
    return [{"key": k, "a": flat_a.get(k), "b": flat_b.get(k), "same": flat_a.get(k) == flat_b.get(k)}
            for k in keys]
