"""``nam-web render``: play a WAV file through a .nam model, optionally with the whole amp chain.

Without chain options the output is the bare model, prewarmed and run in blocks of 64 like NAM
Core's ``render`` tool, so it matches the reference renders. Any chain option (``--ir``, ``--gate``,
tone knobs, levels, ``--normalize``, ``--preset``) runs the full chain of :mod:`nam_web.dsp.chain`
(with its DC blocker and 0 dBFS safety limiter).

Rates: the output has the input's rate unless ``--rate`` asks for another (the input is then
resampled first). When the processing rate differs from the model's, the model runs inside a
band-limited resampler and its latency is removed, so output and input stay aligned and equally
long. ``--strict-rate`` refuses a mismatch instead, as NAM Core's ``render`` does. A model that
does not state its rate runs at the processing rate (NAM Core's ``render`` behaviour).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from nam_web import models, namfile, wav
from nam_web.cli.progress import Progress
from nam_web.dsp.base import chunks
from nam_web.dsp.chain import Chain, ChainSettings
from nam_web.dsp.ir import ImpulseResponse
from nam_web.dsp.levels import OUTPUT_MODES, ModelLevels
from nam_web.dsp.preset import Preset, sha256
from nam_web.dsp.resample import ResampledModel, resample
from nam_web.errors import NamWebError
from nam_web.models.base import EngineOptions

DEFAULT_BLOCK = 64
"""Block size (samples) NAM Core's render uses."""
MAX_BLOCK = 1 << 16
_CHAIN_FLAGS = ("ir", "gate", "bass", "mid", "treble", "input_db", "output_db", "normalize", "preset",
                "output_mode", "interface_dbu", "calibrate_input")


class RenderError(NamWebError, ValueError):
    """The render cannot be done as asked (rate mismatch with --strict-rate, bad option)."""


def _knob(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 10.0:
        raise argparse.ArgumentTypeError(f"{text} is outside 0–10")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "render", help="play a WAV file through a model (and optionally the amp chain)",
        description="Render IN.wav through MODEL.nam into OUT.wav (mono 32-bit float). Without chain "
                    "options the output is the bare model, as NAM Core's render; chain options add the "
                    "plugin's gate, tone stack, IR, levels and output safety.")
    p.add_argument("model", help=".nam file")
    p.add_argument("input", help="WAV to play (any rate; 16/24/32-bit int or 32/64-bit float; "
                                 "stereo is mixed to mono)")
    p.add_argument("output", help="WAV to write (32-bit float, mono)")
    p.add_argument("--block", type=int, default=DEFAULT_BLOCK, metavar="N",
                   help=f"block size in samples (default {DEFAULT_BLOCK}, as NAM Core)")
    p.add_argument("--slim", type=float, metavar="S", help="slimmable models: size in 0..1")
    p.add_argument("--fast-tanh", action="store_true", help="the plugin's fast tanh approximation")
    p.add_argument("--rate", type=float, metavar="HZ",
                   help="process and write at this rate (default: the input's); the input is resampled")
    p.add_argument("--strict-rate", action="store_true",
                   help="refuse when the processing rate differs from the model's instead of resampling")
    chain = p.add_argument_group("amp chain")
    chain.add_argument("--preset", metavar="JSON", help="chain preset (settings and IR); flags override it")
    chain.add_argument("--ir", metavar="WAV", help="cabinet impulse response")
    chain.add_argument("--gate", type=float, metavar="DB", help="noise gate on, threshold in dB (e.g. -60)")
    chain.add_argument("--bass", type=_knob, metavar="0-10", help="tone stack bass (5 = flat)")
    chain.add_argument("--mid", type=_knob, metavar="0-10", help="tone stack middle (5 = flat)")
    chain.add_argument("--treble", type=_knob, metavar="0-10", help="tone stack treble (5 = flat)")
    chain.add_argument("--input-db", type=float, metavar="DB", help="input level in dB")
    chain.add_argument("--output-db", type=float, metavar="DB", help="output level in dB")
    chain.add_argument("--normalize", action="store_true",
                       help="normalized output: to -18 dBFS from the model's loudness metadata")
    chain.add_argument("--output-mode", choices=OUTPUT_MODES,
                       help="raw, normalized (= --normalize) or calibrated "
                            "(output_level_dbu vs --interface-dbu)")
    chain.add_argument("--interface-dbu", type=float, metavar="DBU",
                       help="dBu that 0 dBFS means at your interface's input (default 12)")
    chain.add_argument("--calibrate-input", action="store_true",
                       help="match the input level the capture was made at "
                            "(input_level_dbu vs --interface-dbu)")
    p.set_defaults(func=run)


def note(text: str) -> None:
    print(f"note: {text}", file=sys.stderr)


def _settings(args: argparse.Namespace, preset: Preset | None) -> ChainSettings:
    base = preset.settings if preset else ChainSettings(output_mode="raw")
    changes: dict[str, object] = {}
    for key in ("bass", "mid", "treble", "input_db", "output_db", "output_mode", "interface_dbu"):
        if getattr(args, key) is not None:
            changes[key] = getattr(args, key)
    if args.gate is not None:
        changes.update(gate_active=True, gate_threshold_db=args.gate)
    if args.normalize:
        changes["output_mode"] = "normalized"
    if args.calibrate_input:
        changes["calibrate_input"] = True
    try:
        return ChainSettings(**{**base.to_json(), **changes})
    except ValueError as exc:
        raise RenderError(str(exc)) from None


def _preset_ir(preset: Preset, preset_path: Path) -> Path | None:
    if preset.ir is None:
        return None
    return preset.ir.find([preset_path.parent, Path.cwd()])


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.block <= MAX_BLOCK:
        raise RenderError(f"--block {args.block} is outside 1..{MAX_BLOCK}")
    if args.slim is not None and not 0.0 <= args.slim <= 1.0:
        raise RenderError(f"--slim {args.slim} is outside 0..1")
    doc = namfile.load(args.model)
    audio = wav.read(args.input)
    if audio.channels > 1:
        note(f"{Path(args.input).name} has {audio.channels} channels: mixed to mono")
    x = audio.mono()
    rate = float(audio.sample_rate)
    if args.rate is not None and args.rate != rate:
        if not 1000 <= args.rate <= 768000:
            raise RenderError(f"--rate {args.rate:g} Hz is not a usable audio rate")
        note(f"input resampled from {rate:g} Hz to {args.rate:g} Hz")
        x, rate = resample(x, rate, args.rate), float(args.rate)
    model_rate = doc.sample_rate
    if model_rate is None:
        note(f"model does not state its sample rate: running it at {rate:g} Hz (as NAM Core's render)")
        model_rate = rate
    if model_rate != rate and args.strict_rate:
        raise RenderError(f"the model runs at {model_rate:g} Hz but the audio is {rate:g} Hz "
                          "(drop --strict-rate to resample, or pass --rate)")
    engine = models.build(doc, EngineOptions(slim=args.slim, fast_tanh=args.fast_tanh))
    engine.prewarm()

    preset = Preset.load(args.preset) if args.preset else None
    use_chain = any(getattr(args, flag) not in (None, False) for flag in _CHAIN_FLAGS)
    if use_chain:
        chain = Chain(rate, _settings(args, preset))
        chain.set_model(engine, ModelLevels.from_metadata(doc.metadata), name=Path(args.model).name,
                        model_rate=model_rate)
        if preset and preset.model and preset.model.sha256 != sha256(Path(args.model).read_bytes()):
            note(f"preset was saved with model {preset.model.file!r}, rendering {Path(args.model).name!r}")
        ir_path = args.ir or (_preset_ir(preset, Path(args.preset)) if preset else None)
        if ir_path:
            chain.set_ir(ImpulseResponse.load(ir_path, rate))
        player, latency = chain, chain.latency
    elif model_rate != rate:
        player = ResampledModel(engine, rate, model_rate)
        latency = player.latency
        note(f"model runs at {model_rate:g} Hz, audio at {rate:g} Hz: resampling around the model "
             f"(latency {latency} samples, removed from the output)")
    else:
        player, latency = engine, 0

    padded = np.concatenate((x, np.zeros(latency, dtype=np.float32))) if latency else x
    out = np.empty(padded.size, dtype=np.float32)
    with Progress(padded.size, "rendering", enabled=None if audio.seconds > 5 else False) as bar:
        for start, stop in chunks(padded.size, args.block):
            out[start:stop] = player.process(padded[start:stop])
            bar.update(stop - start)
    y = out[latency:]
    if use_chain:
        for text in chain.notes:
            note(text)
        if chain.stats.faults:
            note(f"{chain.stats.faults} model fault(s) were muted")
    elif not np.isfinite(y).all():
        note("the model produced non-finite samples (NaN or infinity)")
    wav.write(args.output, y, round(rate))
    print(f"wrote {args.output}: {y.size} samples at {rate:g} Hz, peak {float(np.abs(y).max()):.3g}")
    return 0
