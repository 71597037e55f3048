"""``nam-web capture-signal -o input.wav``: write our capture input signal (48 kHz, 24-bit)."""

from __future__ import annotations

import argparse

from nam_web import wav
from nam_web.train import signal


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "capture-signal",
        help="write the capture input signal to reamp through your amp",
        description="Write nam-web's capture input signal: blips for latency, silence for the noise floor, "
        "sweeps, noise bursts, plucks and guitar-like playing, with a validation segment at the "
        "start and the end. Play it through the amp and record the result, sample-aligned, at "
        "48 kHz; then run `nam-web train`.",
    )
    p.add_argument("-o", "--output", required=True, help="WAV file to write")
    p.add_argument(
        "--variant",
        choices=sorted(signal.SPECS),
        default="standard",
        help="standard (about 3 minutes, default) or quick (about 16 s, for trying things out)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    spec = signal.SPECS[args.variant]
    x = signal.capture_signal(spec)
    wav.write(args.output, x, signal.SAMPLE_RATE, bits=signal.BITS)
    seconds = x.size / signal.SAMPLE_RATE
    print(f"wrote {args.output}: {seconds:.1f} s, {signal.SAMPLE_RATE} Hz, {signal.BITS}-bit ({spec.name})")
    return 0
