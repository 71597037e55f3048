"""Training quality: our trainer vs the official ``neural-amp-modeler`` trainer on the same reamp.

No licensed real reamp is available, so the stand-in is our standard capture signal played through
a real amp capture (../shared/fixtures/models/wavenet_a1_standard.nam, a WaveNet Standard of a real
amp) by nam_web's engine, delayed like an interface (50 samples) and recorded at 24 bits over a
realistic noise floor (−80 dBFS white noise plus −90 dBFS mains hum).

Both trainers get the same data split (our layout: train between the validation copies, validate
on the second copy), the same latency (our calibration), the same architecture, loss (MSE + 2e-4 ×
pre-emphasised MRSTFT), optimiser settings (Adam 0.004, decay 0.007/epoch, batches of 16 × 8192) and
the same number of epochs, and each runs with several seeds (early epochs depend a lot on the
initial weights); the medians are compared. The official one runs through its full trainer
(``nam.train.full.main``) in a throwaway venv under /tmp (created on first use: ``torch==2.13.0``
and ``neural-amp-modeler``).
Both exported models are scored the same way: the validation copy, with 8192 samples of input
before it, through the model from silence (the same output as the whole file); ESR on the copy.
The official package also loads our .nam, and its output is compared with nam_web's engine.

    .venv/bin/python bench/train_quality.py [--arch nano] [--epochs 10] [--seeds 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "py"))

from nam_web import models, namfile, wav  # noqa: E402
from nam_web.train import signal  # noqa: E402
from nam_web.train.checks import Analysis, analyse_files, esr  # noqa: E402

AMP = ROOT.parent / "shared" / "fixtures" / "models" / "wavenet_a1_standard.nam"
DELAY = 50
"""Samples of interface latency in the stand-in reamp."""
CONTEXT = 8192
"""Samples of input before the validation copy fed to the engine (≥ every WaveNet preset's 4093)."""
OFFICIAL_PACKAGES = ("torch==2.13.0", "neural-amp-modeler")

_OFFICIAL_DRIVER = r"""
import json, sys, time
from pathlib import Path
import numpy as np, torch
from nam.train.full import main
from nam.models._from_nam import init_from_nam
from nam.data import wav_to_np

job = json.loads(Path(sys.argv[1]).read_text())
torch.set_num_threads(job["threads"])
torch.manual_seed(job["seed"])
out = Path(job["outdir"])
t0 = time.perf_counter()
main(job["data"], job["model"], job["learning"], out, no_show=True, make_plots=False)
seconds = time.perf_counter() - t0
start, stop = job["window"]
x = torch.from_numpy(wav_to_np(job["input"])[start:stop]).float()

def run(model):
    model.eval()
    with torch.no_grad():
        return model(x, pad_start=True).numpy()

official = init_from_nam(json.loads((out / "model.nam").read_text()))
np.save(out / "official_prediction.npy", run(official))
ours = init_from_nam(json.loads(Path(job["ours"]).read_text()))
np.save(out / "ours_in_official_package.npy", run(ours))
with torch.no_grad():
    levels = {"loudness": ours._metadata_loudness(), "gain": float(ours._metadata_gain())}
(out / "timing.json").write_text(json.dumps({"seconds": seconds, "ours_metadata_by_official": levels}))
"""


def make_reamp(folder: Path) -> tuple[Path, Path]:
    """Our capture signal through a real amp capture, delayed, with a noise floor; 24-bit WAVs."""
    input_path, output_path = folder / "input.wav", folder / "output.wav"
    if input_path.exists() and output_path.exists():
        return input_path, output_path
    x = np.array(signal.capture_signal(signal.STANDARD))
    amp = models.load(AMP)
    y = np.concatenate([amp.process(x[i : i + 65536]) for i in range(0, x.size, 65536)]).astype(np.float64)
    rng = np.random.default_rng(7)
    t = np.arange(x.size) / signal.SAMPLE_RATE
    noise = 10 ** (-80 / 20) * rng.standard_normal(x.size) + 10 ** (-90 / 20) * np.sqrt(2) * np.sin(
        2 * np.pi * 50 * t
    )
    y = np.concatenate([np.zeros(DELAY), y])[: x.size] + noise
    wav.write(input_path, x, signal.SAMPLE_RATE, bits=24)
    wav.write(output_path, y, signal.SAMPLE_RATE, bits=24)
    return input_path, output_path


def official_python(venv: Path) -> Path:
    """The throwaway venv's python, creating the venv on first use."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *OFFICIAL_PACKAGES], check=True)
    return python


def train_ours(
    input_path: Path, output_path: Path, arch: str, epochs: int, seed: int, work: Path
) -> tuple[Path, float, Analysis]:
    from nam_web.train.loop import TrainConfig
    from nam_web.train.pipeline import train_capture

    analysis = analyse_files(input_path, output_path)
    t0 = time.perf_counter()
    outcome = train_capture(
        analysis,
        TrainConfig(arch=arch, epochs=epochs, seed=seed),
        work,
        on_epoch=lambda r: print(
            f"  ours epoch {r.epoch}: val ESR {r.val_esr:.5f} ({r.seconds:.0f} s)", flush=True
        ),
    )
    return outcome.model_path, time.perf_counter() - t0, analysis


def train_official(
    python: Path,
    input_path: Path,
    output_path: Path,
    arch: str,
    epochs: int,
    latency: int,
    ours: Path,
    threads: int,
    seed: int,
    work: Path,
) -> dict:
    """Train with the official full trainer; its timing and its view of our file's loudness/gain."""
    from nam_web.train.inputs import identify
    from nam_web.train.presets import preset

    lay = identify(wav.read(input_path).mono(), signal.SAMPLE_RATE)
    p = preset(arch)
    if p.architecture != "WaveNet":
        raise SystemExit("the comparison runs WaveNet presets (the official full trainer's WaveNet)")
    rf = 4093
    job = {
        "threads": threads,
        "seed": seed,
        "window": [lay.validation[0] - CONTEXT, lay.validation[1]],
        "outdir": str(work),
        "input": str(input_path),
        "ours": str(ours),
        "data": {
            "train": {"start_samples": lay.train[0], "stop_samples": lay.train[1], "ny": 8192},
            "validation": {
                "start_samples": lay.validation[0] - (rf - 1),
                "stop_samples": lay.validation[1],
                "ny": None,
                "require_input_pre_silence": None,
            },
            "common": {"x_path": str(input_path), "y_path": str(output_path), "delay": latency},
        },
        "model": {
            "net": {"name": "WaveNet", "config": {"layers_configs": p.config["layers"], "head_scale": 0.02}},
            "loss": {"val_loss": "esr", "pre_emph_mrstft_weight": 2e-4, "pre_emph_mrstft_coef": 0.85},
            "optimizer": {"lr": p.learning_rate},
            "lr_scheduler": {"class": "ExponentialLR", "kwargs": {"gamma": 1.0 - p.lr_decay}},
        },
        "learning": {
            "train_dataloader": {
                "batch_size": 16,
                "shuffle": True,
                "pin_memory": False,
                "drop_last": True,
                "num_workers": 0,
            },
            "val_dataloader": {},
            "trainer": {"max_epochs": epochs, "accelerator": "cpu", "enable_progress_bar": False},
        },
    }
    (work / "job.json").write_text(json.dumps(job))
    (work / "driver.py").write_text(_OFFICIAL_DRIVER)
    subprocess.run([str(python), str(work / "driver.py"), str(work / "job.json")], check=True, cwd=work)
    return json.loads((work / "timing.json").read_text())


def run_seed(args: argparse.Namespace, python: Path, input_path: Path, output_path: Path, seed: int) -> dict:
    """Both trainers with one seed; their validation ESRs and wall times, and the export checks."""
    ours_dir = args.work / f"ours-{args.arch}-{args.epochs}-seed{seed}"
    official_dir = args.work / f"official-{args.arch}-{args.epochs}-seed{seed}"
    for d in (ours_dir, official_dir):
        if d.exists():
            subprocess.run(["rm", "-rf", str(d)], check=True)
        d.mkdir()
    print(f"seed {seed}: training ours ({args.arch}, {args.epochs} epochs)", flush=True)
    ours_model, ours_seconds, analysis = train_ours(
        input_path, output_path, args.arch, args.epochs, seed, ours_dir
    )
    latency = analysis.latency.final
    print(f"seed {seed}: training official (neural-amp-modeler, delay {latency})", flush=True)
    official = train_official(
        python,
        input_path,
        output_path,
        args.arch,
        args.epochs,
        latency,
        ours_model,
        args.threads,
        seed,
        official_dir,
    )
    v0, v1 = analysis.layout.validation
    target = analysis.y[v0:v1]
    engine = models.build(namfile.load(ours_model))
    engine.prewarm()
    # more input before the validation copy than any preset's receptive field: the same output as
    # running the whole file from silence, without running the whole file
    ours_prediction = engine.process(analysis.x[v0 - CONTEXT : v1])[CONTEXT:]
    official_prediction = np.load(official_dir / "official_prediction.npy")[CONTEXT:]
    ours_in_official = np.load(official_dir / "ours_in_official_package.npy")[CONTEXT:]
    meta = namfile.load(ours_model).metadata
    result = {
        "seed": seed,
        "ours_esr": esr(ours_prediction, target),
        "official_esr": esr(official_prediction, target),
        "ours_seconds": ours_seconds,
        "official_seconds": official["seconds"],
        "parity": float(np.max(np.abs(ours_in_official - ours_prediction))),
        "loudness": (meta["loudness"], official["ours_metadata_by_official"]["loudness"]),
        "gain": (meta["gain"], official["ours_metadata_by_official"]["gain"]),
    }
    print(
        f"seed {seed}: ESR ours {result['ours_esr']:.5f} ({ours_seconds:.0f} s), "
        f"official {result['official_esr']:.5f} ({official['seconds']:.0f} s)",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", default="nano", choices=("standard", "lite", "feather", "nano"))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument(
        "--seeds", type=int, default=3, help="runs per trainer (seeds 0, 1, …); medians compared"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads for each trainer")
    parser.add_argument("--work", type=Path, default=Path("/tmp/nam-web-bench-train"))
    parser.add_argument("--official-venv", type=Path, default=Path("/tmp/nam-official-venv"))
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    args.work.mkdir(parents=True, exist_ok=True)
    input_path, output_path = make_reamp(args.work)
    python = official_python(args.official_venv)
    print(f"reamp: {input_path} → {output_path} (A1 Standard amp, {DELAY}-sample delay, −80 dBFS noise)")
    runs = [run_seed(args, python, input_path, output_path, seed) for seed in range(args.seeds)]

    print()
    print(f"{args.arch}, {args.epochs} epochs, {args.threads} torch thread(s) each, {len(runs)} seed(s)")
    print(f"{'seed':<6}{'ESR nam-web':>14}{'ESR official':>14}{'time nam-web':>14}{'time official':>15}")
    for r in runs:
        print(
            f"{r['seed']:<6}{r['ours_esr']:>14.5f}{r['official_esr']:>14.5f}"
            f"{r['ours_seconds']:>13.0f}s{r['official_seconds']:>14.0f}s"
        )
    ours = float(np.median([r["ours_esr"] for r in runs]))
    theirs = float(np.median([r["official_esr"] for r in runs]))
    ours_t = float(np.median([r["ours_seconds"] for r in runs]))
    theirs_t = float(np.median([r["official_seconds"] for r in runs]))
    print(f"{'median':<6}{ours:>14.5f}{theirs:>14.5f}{ours_t:>13.0f}s{theirs_t:>14.0f}s")
    print(
        f"ESR ratio nam-web/official (medians): {ours / theirs:.3f} (≤ 1: ours is as good or better); "
        f"time ratio: {ours_t / theirs_t:.2f}"
    )
    print(
        f"our .nam in the official package vs nam_web's engine: max |difference| "
        f"{max(r['parity'] for r in runs):.2e}"
    )
    worst = max(max(abs(a - b) for a, b in (r["loudness"], r["gain"])) for r in runs)
    print(f"our loudness/gain metadata vs the official package's computation: max |difference| {worst:.1e}")


if __name__ == "__main__":
    main()
