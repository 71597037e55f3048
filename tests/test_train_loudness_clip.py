"""The loudness reference clip lives outside the repo; a missing clip is a clear error, not a crash."""

from __future__ import annotations

import pytest
from nam_web.errors import NamWebError
from nam_web.train import loudness_clip


def test_missing_clip_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv(loudness_clip.ENV_VAR, str(tmp_path / "absent.wav"))
    with pytest.raises(NamWebError, match="make install"):
        loudness_clip.require()


def test_installed_clip_is_the_trainers_one_second_at_48k():
    from nam_web import wav

    audio = wav.read(loudness_clip.require())
    assert audio.sample_rate == 48000 and audio.frames == 48000
