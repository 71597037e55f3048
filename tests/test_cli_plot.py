"""``nam-web plot``: a response image for one model or an A/B pair."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MODELS
from nam_web.cli import main


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib (the plot extra) is not installed")
    out = tmp_path / "response.png"
    assert main(["plot", str(MODELS / "identity_linear_10.nam"), "--compare", str(MODELS / "wavenet.nam"),
                 "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 20_000


def test_plot_refuses_a_broken_model(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "broken.nam"
    broken.write_text("[" * 500)
    assert main(["plot", str(broken), "-o", str(tmp_path / "r.png")]) == 2
    assert "nested deeper than 64 levels" in capsys.readouterr().err
