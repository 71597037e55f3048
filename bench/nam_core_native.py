"""NeuralAmpModelerCore built natively (C++): the same-run reference for bench/engine.py's CPython table.

    python bench/nam_core_native.py [--models a.nam,b.nam] [--blocks 64,128,2048] [--fast-tanh]

Source: the folder named by NAM_CORE_SRC, a NeuralAmpModelerCore checkout or a bare git repository
of it (default: the mirror ../.mirror/sdatkinson+NeuralAmpModelerCore/repo beside this checkout).
Eigen: the source's Dependencies/eigen when that submodule is filled, else Debian's libeigen3-dev
(/usr/include/eigen3). Compiler: $CXX, else g++, else clang++. The NAM/ sources and
bench/nam_core_native.cpp are built once, with the flags upstream's tools/CMakeLists.txt gives
benchmodel in a Release build (NATIVE_FLAGS), into ~/.cache/nam-web/nam-core-native/<key>/ (key:
source commit, or a hash of NAM/ for a plain folder, plus the driver and flags), two compiler
processes at most. :func:`realtime_factor` then runs that binary, which measures as
bench/timing.py does (noise blocks, 0.3 s warm-up, median of runs, CPU time, one thread).

Optional: when the source, Eigen or a compiler is missing it prints one line saying which and
returns None. Nothing in tests or CI uses it (the CI machine has no NAM Core source).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "nam_core_native.cpp"
MIRROR = HERE.parents[1] / ".mirror" / "sdatkinson+NeuralAmpModelerCore" / "repo"
CACHE = Path.home() / ".cache" / "nam-web" / "nam-core-native"
# Upstream's Release build of tools/benchmodel: CMake's -O3 -DNDEBUG, the target's -Ofast,
# INTERPROCEDURAL_OPTIMIZATION (LTO), hidden visibility, C++20, the A2 fast path on. No -march.
NATIVE_FLAGS = (
    "-std=c++20", "-O3", "-DNDEBUG", "-Ofast", "-flto=auto", "-fvisibility=hidden",
    "-DNAM_ENABLE_A2_FAST",
)  # fmt: skip


def source_folder() -> Path:
    return Path(os.environ.get("NAM_CORE_SRC") or MIRROR).expanduser()


def is_bare_repo(folder: Path) -> bool:
    return (folder / "HEAD").is_file() and (folder / "objects").is_dir()


def source_key(folder: Path) -> str:
    """The source commit of a bare repository, else a hash of the NAM/ sources (12 hex digits)."""
    if is_bare_repo(folder):
        return subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()[:12]
    digest = hashlib.sha256()
    for path in sorted((folder / "NAM").rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def eigen_include(tree: Path) -> Path | None:
    for candidate in (tree / "Dependencies" / "eigen", Path("/usr/include/eigen3")):
        if (candidate / "Eigen" / "Core").is_file():
            return candidate
    return None


def compiler() -> str | None:
    return os.environ.get("CXX") or shutil.which("g++") or shutil.which("clang++")


def compile_tree(tree: Path, cxx: str, eigen: Path, out: Path) -> None:
    """Compile NAM/**.cpp and the driver (two at a time), then link ``out``."""
    includes = ["-I", str(tree), "-I", str(tree / "Dependencies" / "nlohmann"), "-isystem", str(eigen)]
    sources = [*sorted((tree / "NAM").rglob("*.cpp")), DRIVER]
    objects = [out.parent / f"{i:02d}_{source.stem}.o" for i, source in enumerate(sources)]

    def build(source: Path, obj: Path) -> None:
        subprocess.run([cxx, *NATIVE_FLAGS, *includes, "-c", str(source), "-o", str(obj)], check=True)

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(build, sources, objects))
    subprocess.run([cxx, *NATIVE_FLAGS, *map(str, objects), "-o", str(out)], check=True)


@functools.cache
def binary() -> Path | None:
    """The built benchmark binary (built on first use, then cached on disk), or None with a reason printed."""
    folder, cxx = source_folder(), compiler()
    if not (is_bare_repo(folder) or (folder / "NAM" / "dsp.h").is_file()):
        print(f"NAM Core native: skipped (no NeuralAmpModelerCore source at {folder}; set NAM_CORE_SRC)")
        return None
    if cxx is None:
        print("NAM Core native: skipped (no C++ compiler: set CXX or install g++)")
        return None
    recipe = hashlib.sha256(DRIVER.read_bytes() + " ".join((cxx, *NATIVE_FLAGS)).encode()).hexdigest()
    target = CACHE / f"{source_key(folder)}-{recipe[:8]}" / "nam_core_native"
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        tree = Path(tmp) / "src"
        if is_bare_repo(folder):
            tree.mkdir()
            git = ["git", "-C", str(folder), "archive", "HEAD"]
            archive = subprocess.run(git, capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        else:
            tree = folder
        eigen = eigen_include(tree)
        if eigen is None:
            print("NAM Core native: skipped (no Eigen: fill Dependencies/eigen or install libeigen3-dev)")
            return None
        print(f"NAM Core native: building {folder} with {cxx} {' '.join(NATIVE_FLAGS)} (once)...", flush=True)
        built = Path(tmp) / "nam_core_native"
        try:
            compile_tree(tree, cxx, eigen, built)
        except subprocess.CalledProcessError as exc:
            command = " ".join(map(str, exc.cmd[:1] + exc.cmd[-3:]))
            print(f"NAM Core native: skipped (build failed: {command})")
            return None
        target.parent.mkdir(parents=True, exist_ok=True)
        built.replace(target)
    return target


def realtime_factor(
    model_path: Path | str, block: int, seconds: float = 0.5, runs: int = 5, fast_tanh: bool = False
) -> float | None:
    """Median realtime factor (audio s / CPU s) of NAM Core native on ``model_path`` at ``block``
    samples, or None (reason printed). Exact tanh unless ``fast_tanh`` (the NAM plugin's setting)."""
    exe = binary()
    if exe is None:
        return None
    args = [str(exe), str(model_path), str(block), str(seconds), str(runs)]
    args += ["--fast-tanh"] if fast_tanh else []
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode:
        reason = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
        print(f"NAM Core native: {Path(model_path).name} at {block}: {reason[:200]}")
        return None
    return float(result.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="wavenet_a1_standard.nam,lstm_1x24.nam")
    parser.add_argument("--blocks", default="64,128,2048")
    parser.add_argument("--seconds", type=float, default=0.5, help="audio seconds per timed run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fast-tanh", action="store_true", help="NAM plugin's tanh approximation")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from engine import model_files  # fixture names and the random-weight LSTM 1×24

    blocks = [int(b) for b in args.blocks.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        files = model_files(args.models.split(","), Path(tmp))
        if binary() is None:
            return
        tanh = "fast tanh" if args.fast_tanh else "exact tanh"
        print(f"NAM Core native ({tanh}): realtime factor (audio s / CPU s)")
        print(f"{'model':32s}" + "".join(f"{b:>9d}" for b in blocks))
        for path in files:
            factors = [realtime_factor(path, b, args.seconds, args.runs, args.fast_tanh) for b in blocks]
            print(f"{path.name:32s}" + "".join(f"{f:9.1f}" if f else f"{'n/a':>9s}" for f in factors))


if __name__ == "__main__":
    main()
