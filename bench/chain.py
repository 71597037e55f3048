"""Benchmark: what the amp chain costs on top of the model, as a realtime factor.

    python bench/chain.py [--block 128] [--model PATH.nam] [--pyodide]

``--pyodide`` runs the same script inside Pyodide (Node + npm pyodide + the local Pyodide NumPy
wheel, through ``bench/pyodide_run.mjs``) after the CPython run, so both numbers come from one
command. ``--render IN OUT`` instead plays raw float32 ``IN`` through :func:`reference_chain` into
``OUT`` (used by the test that checks Pyodide's output equals CPython's).

The chain runs every stage (gate on, tone knobs off centre, an 8192-tap cabinet IR, DC blocker,
levels, limiter) around a pass-through model, so its time is the chain's overhead alone; then at
44.1 kHz around a 48 kHz model (adding both resamplers). Each stage is also timed on its own.
With ``--model`` the model is timed alone and inside the chain. Prints one JSON line per
measurement: realtime factor (seconds of audio per second of compute), microseconds per block and
the share of a block's real-time budget.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nam_web import wav
from nam_web.dsp.base import in_blocks
from nam_web.dsp.chain import Chain, ChainSettings
from nam_web.dsp.dc_blocker import DCBlocker
from nam_web.dsp.gate import NoiseGate
from nam_web.dsp.ir import Cabinet, ImpulseResponse
from nam_web.dsp.safety import Limiter
from nam_web.dsp.tone_stack import ToneKnobs, ToneStack
from timing import realtime_factor

IR_TAPS = 8192
SETTINGS = ChainSettings(
    output_mode="raw",
    gate_active=True,
    gate_threshold_db=-60.0,
    bass=6.5,
    mid=4.0,
    treble=6.0,
    input_db=1.0,
    output_db=-1.0,
)


class PassThrough:
    """A model that costs nothing, so the chain's own time shows."""

    latency = 0

    def __init__(self, sample_rate: float) -> None:
        self.sample_rate = sample_rate

    def process(self, x: np.ndarray) -> np.ndarray:
        return x

    def reset(self) -> None:
        pass

    def prewarm(self) -> None:
        pass


def cabinet_ir(rate: float) -> ImpulseResponse:
    rng = np.random.default_rng(1)
    h = (rng.standard_normal(IR_TAPS) * np.exp(-np.arange(IR_TAPS) / 1500.0) * 0.3).astype(np.float32)
    return ImpulseResponse.from_audio(wav.Audio(h[:, None], int(rate)), rate, "bench IR")


def chain(rate: float, model: object) -> Chain:
    c = Chain(rate, SETTINGS)
    c.set_model(model)
    c.set_ir(cabinet_ir(rate))
    return c


def reference_chain() -> Chain:
    """Every stage, resamplers included: 44.1 kHz audio around a 48 kHz pass-through model."""
    return chain(44100.0, PassThrough(48000.0))


def render(source: Path, target: Path, block: int) -> None:
    x = np.fromfile(source, dtype=np.float32)
    c = reference_chain()
    in_blocks(c.process, x, block).tofile(target)


def run_in_pyodide(args: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    """Run this script with ``args`` inside Pyodide; ``cwd`` is its working folder there too."""
    from engine import run_script_in_pyodide

    return run_script_in_pyodide(Path(__file__).name, args, cwd, timeout)


def report(name: str, process, block: int, rate: float, runs: int, seconds: float, warmup: float) -> None:
    rtf = realtime_factor(process, block, rate, audio_seconds=seconds, runs=runs, warmup_seconds=warmup)
    per_block_us = block / rate / rtf * 1e6
    print(
        json.dumps(
            {
                "bench": name,
                "block": block,
                "rate": rate,
                "realtime_factor": round(rtf, 2),
                "us_per_block": round(per_block_us, 1),
                "budget_share": round(1.0 / rtf, 4),
                "python": sys.version.split()[0],
                "platform": sys.platform,
            }
        ),
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--block", type=int, default=128)
    p.add_argument("--model", help=".nam file to time alone and inside the chain")
    p.add_argument("--seconds", type=float, default=1.0, help="audio per timed run")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=float, default=0.5, help="seconds of warm-up (Pyodide uses ≥ 1.5)")
    p.add_argument("--pyodide", action="store_true", help="also run inside Pyodide under Node")
    p.add_argument("--render", nargs=2, type=Path, metavar=("IN", "OUT"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    rate, block = 48000.0, args.block
    if args.render:
        render(*args.render, block)
        return 0
    timing = (block, rate, args.runs, args.seconds, args.warmup)

    report("chain (all stages, IR 8192, pass-through model)", chain(rate, PassThrough(rate)).process, *timing)
    report(
        "chain at 44.1 kHz around a 48 kHz model (+ resamplers)",
        chain(44100.0, PassThrough(48000.0)).process,
        block,
        44100.0,
        *timing[2:],
    )
    gate = NoiseGate(rate, -60.0, active=True)
    report("stage: noise gate detector", gate.gains, *timing)
    report("stage: tone stack", ToneStack(rate, ToneKnobs(6.5, 4.0, 6.0)).process, *timing)
    report("stage: cabinet IR 8192 taps", Cabinet(rate, cabinet_ir(rate)).process, *timing)
    report("stage: DC blocker", DCBlocker(rate).process, *timing)
    report("stage: limiter", Limiter(rate).process, *timing)
    if args.model:
        from nam_web import models

        engine = models.load(args.model)
        report(f"model alone: {Path(args.model).name}", engine.process, *timing)
        report(f"model in the chain: {Path(args.model).name}", chain(rate, engine).process, *timing)
    if args.pyodide:
        from engine import pyodide_missing

        reason = pyodide_missing()
        if reason:
            print(f"Pyodide: skipped ({reason})")
            return 0
        with tempfile.TemporaryDirectory() as tmp:
            extra = ["--model", os.path.basename(args.model)] if args.model else []
            if args.model:
                Path(tmp, os.path.basename(args.model)).write_bytes(Path(args.model).read_bytes())
            options = ["--block", str(block), "--seconds", str(args.seconds), "--runs", str(args.runs),
                       "--warmup", str(max(args.warmup, 1.5)), *extra]
            result = run_in_pyodide(options, Path(tmp), timeout=900)
        print(result.stdout, end="")
        if result.returncode:
            print(result.stderr[-2000:], file=sys.stderr)
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
