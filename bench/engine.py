"""Realtime factor of nam_web's engines, in CPython and inside Pyodide (beside NAM Core's wasm build).

    python bench/engine.py [--blocks 64,128,...] [--models a.nam,b.nam] [--no-pyodide] [--quick]

Realtime factor = seconds of audio processed per CPU-second (median of several runs after a
warm-up; see bench/timing.py). CPython runs with one BLAS thread. The Pyodide part needs Node,
node_modules/pyodide and a local Pyodide package folder holding the NumPy wheel
(NAM_WEB_PYODIDE_PACKAGES, default ~/.cache/nam-web/pyodide-packages); it runs this script
(``--job``) through bench/pyodide_run.mjs with nam_web from a wheel built from py/, times
@opendaw/nam-wasm (NAM Core compiled to wasm) on the same model and block in the same Node process,
and prints ours/theirs. An LSTM 1×24 (random weights) is added to
show the target size of LSTM captures. Where NeuralAmpModelerCore's source is at hand
(NAM_CORE_SRC, see bench/nam_core_native.py), the CPython table also prints NAM Core built
natively on the same machine, and ours/native.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads BLAS

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "py"), str(ROOT), str(Path(__file__).parent)]

from nam_web import namfile  # noqa: E402
from nam_web.errors import NamWebError  # noqa: E402
from nam_web.models import load  # noqa: E402
from timing import realtime_factor  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures" / "models"
BLOCKS = (64, 128, 256, 1024, 4096)
NATIVE_MODELS = ("wavenet_a1_standard.nam", "A2.nam", "lstm_1x24.nam")
"""Also timed in NeuralAmpModelerCore built natively (bench/nam_core_native.py), when its source is here."""
PYODIDE_MODELS = ("wavenet_a1_standard.nam", "A2.nam", "wavenet.nam", "lstm_1x24.nam")


def lstm_document(hidden: int, seed: int = 0) -> namfile.NamDocument:
    """A 1-layer LSTM .nam with random weights (NAM layout: W, b, h0, c0 per layer, then head w, b)."""
    count = 4 * hidden * (1 + hidden) + 4 * hidden + 2 * hidden + hidden + 1
    weights = np.random.default_rng(seed).normal(0.0, 0.2, count)
    return namfile.NamDocument(
        "0.5.4", "LSTM", {"input_size": 1, "hidden_size": hidden, "num_layers": 1}, weights, 48000.0
    )


def model_files(names: list[str] | None, workdir: Path) -> list[Path]:
    files = (
        sorted(FIXTURES.glob("*.nam"))
        if not names
        else [Path(n) if "/" in n else FIXTURES / n for n in names]
    )
    lstm = workdir / "lstm_1x24.nam"
    namfile.save(lstm_document(24), lstm)
    if not names or "lstm_1x24.nam" in names:
        files = [f for f in files if f.name != "lstm_1x24.nam"] + [lstm]
    return files


def cpython_table(files: list[Path], blocks: tuple[int, ...], seconds: float, runs: int) -> None:
    from nam_core_native import realtime_factor as native_factor  # CPython only (it builds C++)

    print(f"CPython {sys.version.split()[0]}, NumPy {np.__version__}: realtime factor (audio s / CPU s)")
    print(f"{'model':32s}" + "".join(f"{b:>9d}" for b in blocks))
    for path in files:
        try:
            model = load(path)
        except NamWebError as exc:
            print(f"{path.name:32s}  not loadable here: {exc}")
            continue
        factors = [realtime_factor(model.process, b, audio_seconds=seconds, runs=runs) for b in blocks]
        print(f"{path.name:32s}" + "".join(f"{f:9.1f}" for f in factors), flush=True)
        if path.name in NATIVE_MODELS:
            native = [native_factor(path, b, seconds, runs) for b in blocks]
            if all(native):  # None: no NAM Core source or compiler here (the reason is printed once)
                print(f"{'  NAM Core native':32s}" + "".join(f"{n:9.1f}" for n in native))
                ratios = (f / n for f, n in zip(factors, native, strict=True))
                print(f"{'  ours/native':32s}" + "".join(f"{r:9.2f}" for r in ratios), flush=True)


def pyodide_missing() -> str | None:
    """Why the Pyodide benchmark cannot run here, or None."""
    from server.packages import local_folder

    if shutil.which("node") is None:
        return "node is not installed"
    if not (ROOT / "node_modules" / "pyodide" / "pyodide.mjs").exists():
        return "node_modules/pyodide is missing (npm install)"
    folder = local_folder()
    if folder is None or not any(folder.glob("numpy-*.whl")):
        return "no Pyodide NumPy wheel folder (NAM_WEB_PYODIDE_PACKAGES or ~/.cache/nam-web/pyodide-packages)"
    return None


def run_script_in_pyodide(
    script: str, args: list[str], cwd: Path, timeout: float, blas: bool = True
) -> subprocess.CompletedProcess:
    """Run ``bench/<script> args`` inside Pyodide under Node (bench/pyodide_run.mjs); ``cwd`` is
    the working folder on both sides. The nam_web wheel is built from py/ (cached by source hash).
    ``blas=False`` leaves Pyodide's OpenBLAS unloaded (NumPy-only engines)."""
    from server.wheel import build_wheel

    wheel = build_wheel(Path.home() / ".cache" / "nam-web" / "wheels")
    env = {**os.environ, **({} if blas else {"NAM_WEB_NO_BLAS": "1"})}
    return subprocess.run(
        ["node", str(ROOT / "bench" / "pyodide_run.mjs"), str(wheel), script, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_in_pyodide(
    job: dict, workdir: Path, timeout: float, blas: bool = True
) -> subprocess.CompletedProcess:
    """Run ``job`` (see :func:`run_job`) inside Pyodide. Its models are copied into ``workdir``;
    a render's input and outputs must lie in ``workdir``."""
    inside = {**job, "models": []}
    for i, model in enumerate(job["models"]):
        name = f"model{i}_{Path(model).name}"
        shutil.copyfile(model, workdir / name)
        inside["models"].append(name)
    if job["task"] == "render":
        inside["input"] = os.path.relpath(job["input"], workdir)
        inside["outputs"] = [os.path.relpath(o, workdir) for o in job["outputs"]]
    (workdir / "job.json").write_text(json.dumps(inside))
    return run_script_in_pyodide("engine.py", ["--job", "job.json"], workdir, timeout, blas)


def run_job(job: dict) -> None:
    """Inside Pyodide. ``task`` "bench": print one JSON line per (model, block) with our realtime
    factor and NAM Core wasm's ("theirs", when ``nam_wasm``); "render": play ``input`` (raw float32)
    through each model (loaded, prewarmed) in ``block``-sample blocks into ``outputs``."""
    if job["task"] == "render":
        from nam_web.models.wavenet import SGEMM

        print(json.dumps({"sgemm": SGEMM is not None}))
        x = np.fromfile(job["input"], dtype=np.float32)
        block = job["block"]
        for model_path, output in zip(job["models"], job["outputs"], strict=True):
            model = load(model_path)
            np.concatenate([model.process(x[i : i + block]) for i in range(0, x.size, block)]).tofile(output)
        return
    from nam_core_wasm import realtime_factor as theirs  # bench/pyodide_run.mjs provides it

    seconds, runs = job["audio_seconds"], job["runs"]
    for model_path in job["models"]:
        for block in job["blocks"]:
            model = load(model_path)
            row = {
                "model": Path(model_path).name.split("_", 1)[1],
                "block": block,
                "ours": realtime_factor(
                    model.process, block, audio_seconds=seconds, runs=runs, warmup_seconds=1.0
                ),
            }
            if job["nam_wasm"]:
                row["theirs"] = theirs(Path(model_path).read_text(), block, seconds, runs)
            print(json.dumps(row), flush=True)


def pyodide_table(
    files: list[Path], blocks: tuple[int, ...], seconds: float, runs: int, workdir: Path
) -> None:
    reason = pyodide_missing()
    if reason:
        print(f"\nPyodide: skipped ({reason})")
        return
    chosen = [f for f in files if f.name in PYODIDE_MODELS] or files[:1]
    print("\nPyodide (Node, npm pyodide) — ours vs @opendaw/nam-wasm, realtime factor (audio s / CPU s)")
    print(f"{'model':24s}{'block':>7s}{'ours':>9s}{'nam-wasm':>10s}{'ours/theirs':>13s}")
    job = {
        "task": "bench",
        "models": [str(f) for f in chosen],
        "blocks": list(blocks),
        "audio_seconds": seconds,
        "runs": runs,
        "nam_wasm": True,
    }
    result = run_in_pyodide(job, workdir, timeout=900)
    for line in result.stdout.splitlines():
        if not line.startswith("{"):
            continue
        row = json.loads(line)
        theirs = row.get("theirs")
        ratio = f"{row['ours'] / theirs:13.2f}" if theirs else f"{'n/a':>13s}"
        theirs_text = f"{theirs:10.2f}" if theirs else f"{'(fails)':>10s}"
        print(f"{row['model']:24s}{row['block']:7d}{row['ours']:9.2f}{theirs_text}{ratio}", flush=True)
    if result.returncode:
        print("Pyodide run failed:", result.stderr.strip().splitlines()[-1][:300] if result.stderr else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--blocks", default=",".join(map(str, BLOCKS)))
    parser.add_argument("--models", help="comma-separated .nam files (default: every fixture model)")
    parser.add_argument("--no-pyodide", action="store_true")
    parser.add_argument("--quick", action="store_true", help="shorter runs (rougher numbers)")
    parser.add_argument("--job", type=Path, help=argparse.SUPPRESS)  # inside Pyodide: run_job
    args = parser.parse_args()
    if args.job:
        run_job(json.loads(args.job.read_text()))
        return
    blocks = tuple(int(b) for b in args.blocks.split(","))
    seconds, runs = (0.25, 3) if args.quick else (0.5, 5)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        files = model_files(args.models.split(",") if args.models else None, workdir)
        cpython_table(files, blocks, seconds, runs)
        if not args.no_pyodide:
            pyodide_table(files, blocks, seconds, runs, workdir)


if __name__ == "__main__":
    main()
