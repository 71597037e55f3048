"""``nam-web train INPUT.wav OUTPUT.wav --arch nano -o MODEL.nam``: check a reamp and train a capture.

The same checks and training as the training server. Work files (checkpoint, report, null-test
residual) go to ``MODEL.train/`` next to the model; running the same command again after an
interruption resumes from the last checkpoint.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from nam_web.cli.progress import Progress
from nam_web.train.checks import ERROR, OK, WARNING, analyse_files
from nam_web.train.metadata import GEAR_TYPES, TONE_TYPES, UserMetadata
from nam_web.train.presets import PRESETS

_MARK = {OK: "ok  ", WARNING: "WARN", ERROR: "FAIL"}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train",
        help="check a reamp (input + recorded output) and train a .nam capture",
        description="Check INPUT.wav (what was sent to the amp: our capture signal, the NAM trainer's v3 "
        "input, or your own) and OUTPUT.wav (the recorded amp), find the latency, train the "
        "chosen architecture with torch (CUDA when present) and export a .nam (format 0.5).",
    )
    p.add_argument("input", help="the input signal sent to the amp (WAV)")
    p.add_argument("output", help="the recorded output of the amp (WAV, same rate and length)")
    p.add_argument("-o", "--model", required=True, help=".nam file to write")
    p.add_argument("--arch", choices=sorted(PRESETS), default="standard", help="architecture preset")
    p.add_argument("--epochs", type=int, default=100, help="training epochs (default 100)")
    p.add_argument(
        "--val-seconds",
        type=float,
        default=9.0,
        help="for inputs we do not recognise: seconds at the end held out for validation (default 9)",
    )
    p.add_argument("--latency", type=int, help="override the detected latency (samples; output lags input)")
    p.add_argument(
        "--early-stopping",
        type=int,
        metavar="EPOCHS",
        help="stop after this many epochs without a better validation ESR",
    )
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--segment", type=int, default=8192, help="output samples per training example")
    p.add_argument("--steps-per-epoch", type=int,
                   help="mini-batches per epoch (default: one pass over the data)")
    p.add_argument("--lr", type=float, help="Adam learning rate (default: the preset's)")
    p.add_argument("--lr-decay", type=float, help="exponential decay per epoch (default: the preset's)")
    p.add_argument("--loss", choices=("mse", "esr"), default="mse")
    p.add_argument(
        "--pre-emphasis",
        choices=("none", "first-order", "a-weighting"),
        default="first-order",
        help="filter applied before the extra loss terms",
    )
    p.add_argument(
        "--pre-emphasis-weight",
        type=float,
        default=0.0,
        help="weight of the main loss on the pre-emphasised signal",
    )
    p.add_argument("--mrstft-weight", type=float, default=2e-4, help="multi-resolution STFT weight (0 = off)")
    p.add_argument("--ignore-checks", action="store_true", help="train even when a check fails")
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    p.add_argument("--seed", type=int, default=0)
    meta = p.add_argument_group("metadata written into the .nam")
    meta.add_argument("--name")
    meta.add_argument("--modeled-by")
    meta.add_argument("--gear-type", choices=GEAR_TYPES)
    meta.add_argument("--gear-make")
    meta.add_argument("--gear-model")
    meta.add_argument("--tone-type", choices=TONE_TYPES)
    meta.add_argument("--input-dbu", type=float, help="analog level (dBu) of 0 dBFS at the interface output")
    meta.add_argument("--output-dbu", type=float, help="analog level (dBu) of 0 dBFS at the interface input")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nam_web.train.loop import Cancelled, EpochReport, TrainConfig  # torch: only when training
    from nam_web.train.losses import LossConfig
    from nam_web.train.pipeline import train_capture

    user = UserMetadata(
        args.name,
        args.modeled_by,
        args.gear_type,
        args.gear_make,
        args.gear_model,
        args.tone_type,
        args.input_dbu,
        args.output_dbu,
    )
    analysis = analyse_files(
        args.input, args.output, manual_latency=args.latency, validation_s=args.val_seconds
    )
    print(f"input: {analysis.layout.description}")
    for check in analysis.checks:
        print(f"  [{_MARK[check.status]}] {check.message}")
    if not analysis.passed and not args.ignore_checks:
        print(
            "nam-web train: the recording failed its checks (use --ignore-checks to train anyway)",
            file=sys.stderr,
        )
        return 2
    config = TrainConfig(
        arch=args.arch,
        epochs=args.epochs,
        batch_size=args.batch_size,
        segment=args.segment,
        learning_rate=args.lr,
        lr_decay=args.lr_decay,
        early_stopping=args.early_stopping,
        seed=args.seed,
        device=args.device,
        steps_per_epoch=args.steps_per_epoch,
        loss=LossConfig(
            main=args.loss,
            pre_emphasis=args.pre_emphasis,
            pre_emphasis_weight=args.pre_emphasis_weight,
            mrstft_weight=args.mrstft_weight,
            sample_rate=analysis.layout.sample_rate,
        ),
    )
    model_path = Path(args.model)
    work = model_path.with_name(model_path.stem + ".train")
    with Progress(args.epochs, f"training {args.arch}") as bar:

        def on_epoch(r: EpochReport) -> None:
            start = "\r" if bar.enabled else ""
            print(f"{start}epoch {r.epoch}/{r.epochs}: loss {r.train_loss:.3e}, val ESR {r.val_esr:.5f} "
                  f"(best {r.best_esr:.5f}), {r.seconds:.1f} s, ETA {r.eta_seconds:.0f} s", flush=True)
            bar.update(r.epoch - bar.done)

        try:
            outcome = train_capture(
                analysis, config, work, user=user, ignore_checks=args.ignore_checks, on_epoch=on_epoch
            )
        except Cancelled as exc:
            print(f"nam-web train: {exc}", file=sys.stderr)
            return 130
    shutil.copyfile(outcome.model_path, model_path)
    report = outcome.report
    print(
        f"validation ESR {report['validation_esr']:.5f} ({report['quality']}), best epoch "
        f"{report['best_epoch']}, {report['stopped']}"
    )
    print(f"loudness {report['loudness_db']:.1f} dB, gain {report['gain']:.2f}")
    print(f"wrote {model_path}; null-test residual and report in {work}/")
    return 0
