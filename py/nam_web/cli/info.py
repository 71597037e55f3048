"""``nam-web info``: what a .nam file is — architecture, size, cost, metadata, training report.

The facts come from :func:`nam_web.models.describe.facts` and the metadata helpers of
:mod:`nam_web.inspect`; this module only formats them (text, or JSON with ``--json``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from nam_web import namfile
from nam_web.inspect.metadata import FIELDS
from nam_web.inspect.report import MEASURED_FIELDS, training_summary
from nam_web.models.describe import facts

LABEL_WIDTH = 34


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("info", help="describe a .nam model (architecture, size, cost, metadata)",
                              description="Show what MODEL.nam is: architecture, format version, sample "
                                          "rate, size class, parameters, receptive field, MACs per sample, "
                                          "submodels, metadata and the trainer's report.")
    p.add_argument("model", help=".nam file")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(func=run)


def report(path: Path) -> dict[str, Any]:
    """Everything ``info`` prints about the file at ``path``, as JSON-ready data."""
    doc = namfile.load(path)
    metadata = doc.metadata or {}
    return {
        "file": path.name,
        **facts(doc).to_json(),
        "metadata": {f.key: metadata.get(f.key) for f in FIELDS}
        | {key: metadata.get(key) for key, _ in MEASURED_FIELDS},
        "training": training_summary(metadata),
        "extra_keys": sorted(doc.extra),
    }


def _line(label: str, value: Any, indent: str = "  ") -> str:
    """``label:`` padded so values line up whatever the indent; floats to 4 significant digits."""
    text = f"{value:.4g}" if isinstance(value, float) else value
    return f"{indent}{label + ':':<{LABEL_WIDTH - len(indent)}} {text}"


def _facts_lines(f: dict[str, Any], indent: str) -> list[str]:
    rate = f"{f['sample_rate']:g} Hz" if f["sample_rate"] else "not stated (48 kHz assumed)"
    return [
        _line("Architecture", f"{f['architecture']} (format {f['version']})", indent),
        _line("Sample rate", rate, indent),
        _line("Size class", f["size_class"], indent),
        _line("Parameters", f"{f['parameters']:,}", indent),
        _line("Receptive field", f"{f['receptive_field_samples']:,} samples "
                                 f"({f['receptive_field_ms']:.2f} ms)", indent),
        _line("MACs per sample", f"{f['macs_per_sample']:,}", indent),
    ]


def format_text(info: dict[str, Any]) -> str:
    """The human-readable report."""
    lines = [info["file"], *_facts_lines(info, "  ")]
    for i, sub in enumerate(info["submodels"]):
        lines.append(f"  Submodel {i} (slim < {sub['max_value']:g}):")
        lines += _facts_lines(sub["facts"], "    ")
    labels = {f.key: f.label for f in FIELDS} | dict(MEASURED_FIELDS)
    shown = {k: v for k, v in info["metadata"].items() if v is not None}
    if shown:
        lines.append("  Metadata:")
        lines += [_line(labels[k], v, "    ") for k, v in shown.items()]
    training = info["training"]
    if training:
        lines.append("  Training:")
        lines += [_line(k.replace("_", " ").capitalize(), v, "    ") for k, v in training.items()
                  if v not in (None, [])]
    if info["extra_keys"]:
        lines.append(_line("Unknown keys (kept)", ", ".join(info["extra_keys"])))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    info = report(Path(args.model))
    print(json.dumps(info, indent=2) if args.json else format_text(info))
    return 0
