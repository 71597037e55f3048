"""The `nam-web` dispatcher: errors come out as one clear line and an exit code, never a traceback."""

from __future__ import annotations

from conftest import AUDIO, MODELS
from nam_web.cli import main


def test_unwritable_output_is_a_clear_error(tmp_path, capsys):
    out = tmp_path / "missing-folder" / "out.wav"
    code = main(["render", str(MODELS / "identity_linear_1.nam"), str(AUDIO / "input.wav"), str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "error:" in err and str(out) in err and "Traceback" not in err


def test_bad_model_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.nam"
    bad.write_text('{"version": "0.9.0", "architecture": "Linear", "config": {}, "weights": []}')
    assert main(["info", str(bad)]) == 2
    assert "newer than this player supports" in capsys.readouterr().err
