"""Every reader of user files refuses an oversized or unreadable file the same way, before reading it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nam_web import namfile, wav
from nam_web.dsp.preset import Preset, PresetError
from nam_web.errors import NamFileError, WavError

READERS = {
    ".nam": (namfile.load, NamFileError, 200 * 2**20, "huge is 200.0 MB; .nam files larger than 64 MB"),
    "WAV": (wav.read, WavError, 3 * 2**30, "huge is 3.0 GB; WAV files larger than 2 GB"),
    "preset": (Preset.load, PresetError, 100 * 2**10, "huge is 100.0 KB; presets larger than 64 KB"),
}


@pytest.mark.parametrize("kind", READERS)
def test_oversized_and_missing_files_are_refused(tmp_path: Path, kind: str) -> None:
    read, error, size, message = READERS[kind]
    with (tmp_path / "huge").open("wb") as f:
        f.truncate(size)  # sparse: nothing on disk
    with pytest.raises(error, match=re.escape(message + " are refused")):
        read(tmp_path / "huge")
    with pytest.raises(error, match=r"cannot open .*missing"):
        read(tmp_path / "missing")
