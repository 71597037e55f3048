"""Where the page's Pyodide finds NumPy: a local wheel folder or the official Pyodide CDN.

A local folder (``NAM_WEB_PYODIDE_PACKAGES``, default ``~/.cache/nam-web/pyodide-packages`` when it
holds a NumPy wheel) is served at ``/pyodide-packages/`` with a ``pyodide-lock.json`` rewritten
from npm Pyodide's lock for exactly the files present (their real names and sha256), because
Pyodide checks every package against the lock's hash. Without one, the page loads packages from
the CDN folder of the same Pyodide version, whose files match npm's lock unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "NAM_WEB_PYODIDE_PACKAGES"
DEFAULT_DIR = Path.home() / ".cache" / "nam-web" / "pyodide-packages"
CDN_TEMPLATE = "https://cdn.jsdelivr.net/pyodide/v{version}/full/"
PACKAGE_FILE_SUFFIXES = (".whl", ".zip", ".tar")


@dataclass(frozen=True)
class PackageIndex:
    """The package source the page uses: ``base_url`` for package files, optional lock URL."""

    source: str
    """"local" or "cdn"."""
    base_url: str
    lock_url: str | None
    folder: Path | None = None


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
        return PackageIndex("local", "/pyodide-packages/", "/pyodide-packages/pyodide-lock.json", folder)
    return PackageIndex("cdn", CDN_TEMPLATE.format(version=pyodide_version), None)


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _package_name(file_name: str) -> str:
    """``numpy-2.2.5-cp313-….whl`` -> ``numpy``; ``libopenblas-0.3.26.zip`` -> ``libopenblas``."""
    return _normalise(file_name.split("-", 1)[0])


def rewrite_lock(npm_lock: dict, folder: Path) -> dict:
    """npm Pyodide's lock, cut down to the packages whose files are in ``folder``, names and hashes fixed."""
    files = {_package_name(p.name): p for p in sorted(folder.iterdir())
             if p.is_file() and p.name.endswith(PACKAGE_FILE_SUFFIXES)}
    packages = {}
    for key, entry in npm_lock["packages"].items():
        path = files.get(_normalise(entry["name"]))
        if path is None:
            continue
        packages[key] = {**entry, "file_name": path.name,
                         "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    return {**npm_lock, "packages": packages}


def lock_bytes(npm_lock_path: Path, folder: Path) -> bytes:
    return json.dumps(rewrite_lock(json.loads(npm_lock_path.read_text()), folder)).encode()
