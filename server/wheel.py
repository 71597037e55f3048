"""Build the nam_web wheel the browser installs into Pyodide, cached by a hash of its sources.

The page installs exactly the package in ``py/`` (never a copy): at start-up the server runs
``pip wheel --no-deps`` on the project and keeps the result in a cache folder named after a hash
of ``pyproject.toml`` and every file under ``py/nam_web``, so an unchanged tree reuses its wheel.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "py" / "nam_web"


def source_hash(root: Path = ROOT) -> str:
    """A short hex digest of pyproject.toml and every nam_web source file (not caches)."""
    digest = hashlib.sha256()
    files = [root / "pyproject.toml", *sorted(p for p in (root / "py" / "nam_web").rglob("*")
                                               if p.is_file() and "__pycache__" not in p.parts)]
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_wheel(cache_dir: Path, root: Path = ROOT) -> Path:
    """Return the path of a nam_web wheel for the current sources, building it if needed."""
    target = cache_dir / source_hash(root)
    existing = sorted(target.glob("nam_web-*.whl"))
    if existing:
        return existing[0]
    with tempfile.TemporaryDirectory() as tmp:
        # Build from a copy so the source tree gets no build/ or egg-info litter.
        src = Path(tmp) / "src"
        shutil.copytree(root / "py", src / "py", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        shutil.copy2(root / "pyproject.toml", src / "pyproject.toml")
        if (root / "README.md").exists():
            shutil.copy2(root / "README.md", src / "README.md")
        out = Path(tmp) / "out"
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                        "-w", str(out), str(src)], check=True)
        wheel = next(out.glob("nam_web-*.whl"))
        target.mkdir(parents=True, exist_ok=True)
        final = target / wheel.name
        shutil.move(wheel, final)
    return final
