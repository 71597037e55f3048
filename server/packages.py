"""Where the page's Pyodide finds NumPy and micropip: a local wheel folder or the official Pyodide CDN.

A local folder (``NAM_WEB_PYODIDE_PACKAGES``, default ``~/.cache/nam-web/pyodide-packages`` when it
holds a NumPy wheel) is served at ``/pyodide-packages/`` with a ``pyodide-lock.json`` rewritten
from npm Pyodide's lock for exactly the files present (their real names and sha256), because
Pyodide checks every package against the lock's hash. micropip (pure Python, on PyPI) is served
from the same URL out of ``~/.cache/nam-web/pyodide-extra``, which ``make install`` fills with the
version npm's lock names (``python -m server.packages``); a micropip wheel in the local folder
itself wins. Without a local folder, the page loads packages from the CDN folder of the same
Pyodide version, whose files match npm's lock unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "NAM_WEB_PYODIDE_PACKAGES"
DEFAULT_DIR = Path.home() / ".cache" / "nam-web" / "pyodide-packages"
CDN_TEMPLATE = "https://cdn.jsdelivr.net/pyodide/v{version}/full/"
EXTRA_DIR = Path.home() / ".cache" / "nam-web" / "pyodide-extra"
FROM_PYPI = ("micropip",)
"""Pure-Python packages the page loads from the lock that PyPI has (the NumPy wheel is not on PyPI)."""
PACKAGE_FILE_SUFFIXES = (".whl", ".zip", ".tar")
OPTIONAL = ("libopenblas",)
"""Packages the page loads when the index has them (OpenBLAS speeds up nam_web's WaveNet)."""


@dataclass(frozen=True)
class PackageIndex:
    """The package source the page uses: ``base_url`` for package files, optional lock URL."""

    source: str
    """"local" or "cdn"."""
    base_url: str
    lock_url: str | None
    folder: Path | None = None
    optional: tuple[str, ...] = ()
    """Which of ``OPTIONAL`` this index has."""


def local_folder() -> Path | None:
    """The local package folder to serve, or None (env var wins; default only if it has NumPy)."""
    named = os.environ.get(ENV_VAR)
    if named:
        folder = Path(named).expanduser()
        if not folder.is_dir():
            raise SystemExit(f"{ENV_VAR}={named}: no such folder (unset it to use the Pyodide CDN)")
        return folder
    if any(DEFAULT_DIR.glob("numpy-*.whl")):
        return DEFAULT_DIR
    return None


def choose_index(pyodide_version: str, folder: Path | None) -> PackageIndex:
    if folder is not None:
        present = package_files([folder])
        return PackageIndex("local", "/pyodide-packages/", "/pyodide-packages/pyodide-lock.json", folder,
                            tuple(name for name in OPTIONAL if name in present))
    return PackageIndex("cdn", CDN_TEMPLATE.format(version=pyodide_version), None, None, OPTIONAL)


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def package_name(file_name: str) -> str:
    """``numpy-2.2.5-cp313-….whl`` -> ``numpy``; ``libopenblas-0.3.26.zip`` -> ``libopenblas``."""
    return _normalise(file_name.split("-", 1)[0])


def package_files(folders: list[Path]) -> dict[str, Path]:
    """Normalised package name -> its file, over ``folders`` (a package in an earlier folder wins)."""
    files: dict[str, Path] = {}
    for folder in reversed(folders):
        files.update({package_name(p.name): p for p in sorted(folder.glob("*"))
                      if p.is_file() and p.name.endswith(PACKAGE_FILE_SUFFIXES)})
    return files


def rewrite_lock(npm_lock: dict, folders: list[Path]) -> dict:
    """npm Pyodide's lock, cut down to the packages whose files are in ``folders``, names and hashes fixed.

    Exits with the fix when a package the page needs from PyPI (micropip) is in none of them.
    """
    files = package_files(folders)
    missing = [name for name in FROM_PYPI if name not in files]
    if missing:
        where = " or ".join(str(f) for f in folders)
        raise SystemExit(f"{', '.join(missing)} for Pyodide is missing (looked in {where}): "
                         f"run `make install`, which downloads it from PyPI into {EXTRA_DIR}")
    packages = {}
    for key, entry in npm_lock["packages"].items():
        path = files.get(_normalise(entry["name"]))
        if path is None:
            continue
        packages[key] = {**entry, "file_name": path.name,
                         "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    return {**npm_lock, "packages": packages}


def lock_bytes(npm_lock_path: Path, folders: list[Path]) -> bytes:
    return json.dumps(rewrite_lock(json.loads(npm_lock_path.read_text()), folders)).encode()


def fetch_from_pypi(npm_lock_path: Path, dest: Path = EXTRA_DIR) -> list[Path]:
    """Download the ``FROM_PYPI`` wheels at the versions npm's lock names into ``dest`` (kept if there)."""
    lock = json.loads(npm_lock_path.read_text())
    python = ".".join(lock["info"]["python"].split(".")[:2])
    wheels = []
    for name in FROM_PYPI:
        version = lock["packages"][name]["version"]
        found = sorted(dest.glob(f"{name}-{version}-*.whl"))
        if not found:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                            "--python-version", python, f"{name}=={version}", "-d", str(dest)], check=True)
            found = sorted(dest.glob(f"{name}-{version}-*.whl"))
        wheels.extend(found)
    return wheels


if __name__ == "__main__":
    # ``python -m server.packages``: fetch micropip for the local package folder (``make install`` runs it).
    npm_lock = Path(__file__).resolve().parents[1] / "node_modules" / "pyodide" / "pyodide-lock.json"
    for wheel in fetch_from_pypi(npm_lock):
        print(f"nam-web: Pyodide package from PyPI: {wheel}")
