"""``nam-web render``: bare model = NAM Core's render; chain options; any WAV; any rate."""

from __future__ import annotations

import argparse
import json
import struct
from pathlib import Path

import numpy as np
import pytest
from conftest import AUDIO, MODELS, REFERENCE
from dsp_helpers import db, impulse, tone, tone_level
from nam_web import wav
from nam_web.cli import main, render
from nam_web.dsp.chain import ChainSettings
from nam_web.dsp.preset import FileRef, Preset
from nam_web.errors import NamWebError


def run(*argv: str | Path) -> int:
    parser = argparse.ArgumentParser()
    render.register(parser.add_subparsers())
    args = parser.parse_args(["render", *map(str, argv)])
    return args.func(args)


def read(path: Path) -> np.ndarray:
    return wav.read(path).samples[:, 0]


@pytest.mark.parametrize("model", ["identity_linear_1", "identity_linear_10", "wavenet", "lstm"])
def test_bare_render_matches_the_reference(model: str, tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    assert run(MODELS / f"{model}.nam", AUDIO / "input.wav", out) == 0
    got, ref = read(out), read(REFERENCE / f"{model}__input.wav")
    assert got.shape == ref.shape
    assert np.abs(got - ref).max() <= 1e-4 * max(1.0, float(np.abs(ref).max()))
    info = wav.read(out)
    assert info.is_float and info.bits == 32 and info.sample_rate == 48000


def test_block_size_does_not_matter(tmp_path: Path) -> None:
    run(MODELS / "identity_linear_10.nam", AUDIO / "input.wav", tmp_path / "a.wav", "--block", "1000")
    assert np.array_equal(read(tmp_path / "a.wav"), read(REFERENCE / "identity_linear_10__input.wav"))


@pytest.mark.parametrize("bits", [16, 24, 32])
def test_any_wav_and_stereo_is_mixed_with_a_note(bits: int, tmp_path: Path, capsys) -> None:
    x = tone(440.0, 48000, 0.5, 0.4)
    wav.write(tmp_path / "in.wav", np.stack((x, x), axis=1), 48000, bits=bits)
    assert run(MODELS / "identity_linear_1.nam", tmp_path / "in.wav", tmp_path / "out.wav") == 0
    assert "mixed to mono" in capsys.readouterr().err
    assert np.abs(read(tmp_path / "out.wav") - x).max() < 1e-4


def test_float64_input(tmp_path: Path) -> None:
    x = tone(440.0, 48000, 0.2, 0.4)
    data = x.astype("<f8").tobytes()
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, 3, 1, 48000,
                         48000 * 8, 8, 64, b"data", len(data))
    (tmp_path / "in.wav").write_bytes(header + data)
    run(MODELS / "identity_linear_1.nam", tmp_path / "in.wav", tmp_path / "out.wav")
    assert np.array_equal(read(tmp_path / "out.wav"), x)


def test_other_input_rate_is_resampled_aligned_and_same_length(tmp_path: Path, capsys) -> None:
    x = tone(1000.0, 44100, 1.0, 0.3)
    wav.write(tmp_path / "in.wav", x, 44100)
    run(MODELS / "identity_linear_1.nam", tmp_path / "in.wav", tmp_path / "out.wav")
    assert "resampling around the model" in capsys.readouterr().err
    y = read(tmp_path / "out.wav")
    assert wav.read(tmp_path / "out.wav").sample_rate == 44100 and y.size == x.size
    assert np.abs(y[2000:-2000] - x[2000:-2000]).max() < 1e-3  # latency removed


def test_strict_rate_refuses_a_mismatch(tmp_path: Path) -> None:
    wav.write(tmp_path / "in.wav", tone(1000.0, 44100, 0.1), 44100)
    with pytest.raises(NamWebError, match="44100 Hz"):
        run(MODELS / "identity_linear_1.nam", tmp_path / "in.wav", tmp_path / "out.wav", "--strict-rate")


def test_rate_option_writes_at_that_rate(tmp_path: Path) -> None:
    wav.write(tmp_path / "in.wav", tone(1000.0, 44100, 0.5, 0.3), 44100)
    run(MODELS / "identity_linear_1.nam", tmp_path / "in.wav", tmp_path / "out.wav", "--rate", "48000")
    out = wav.read(tmp_path / "out.wav")
    assert out.sample_rate == 48000 and out.frames == 24000
    assert db(tone_level(out.samples[2000:-2000, 0], 1000.0, 48000) / 0.3) == pytest.approx(0.0, abs=0.05)


def test_chain_options(tmp_path: Path, capsys) -> None:
    x = tone(1000.0, 48000, 0.5, 0.1)
    wav.write(tmp_path / "in.wav", x, 48000)
    wav.write(tmp_path / "cab.wav", impulse(256), 48000)
    run(MODELS / "identity_linear_1.nam", tmp_path / "in.wav", tmp_path / "out.wav",
        "--ir", tmp_path / "cab.wav", "--output-db", "6", "--input-db", "6", "--bass", "5", "--gate", "-90")
    y = read(tmp_path / "out.wav")
    assert db(tone_level(y[4800:], 1000.0, 48000) / 0.1) == pytest.approx(12.0 - 18.0, abs=0.05)
    run(MODELS / "identity_linear_1.nam", tmp_path / "in.wav", tmp_path / "out.wav", "--normalize")
    assert "no loudness metadata" in capsys.readouterr().err


def test_preset_supplies_settings_and_ir(tmp_path: Path) -> None:
    x = tone(1000.0, 48000, 0.5, 0.1)
    wav.write(tmp_path / "in.wav", x, 48000)
    wav.write(tmp_path / "cab.wav", impulse(16, 0.5), 48000)
    Preset(ChainSettings(output_mode="raw", output_db=18.0), None, FileRef.of(tmp_path / "cab.wav")).save(
        tmp_path / "p.json")
    run(MODELS / "identity_linear_1.nam", tmp_path / "in.wav", tmp_path / "out.wav",
        "--preset", tmp_path / "p.json")
    y = read(tmp_path / "out.wav")
    assert db(tone_level(y[4800:], 1000.0, 48000) / 0.1) == pytest.approx(db(0.5), abs=0.05)
    assert json.loads((tmp_path / "p.json").read_text())["schema"] == 1


@pytest.mark.parametrize(("args", "message"), [(("--block", "0"), "--block"), (("--slim", "2"), "--slim"),
                                                (("--rate", "10"), "--rate")])
def test_bad_options_are_named(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    with pytest.raises(NamWebError, match=message):
        run(MODELS / "identity_linear_1.nam", AUDIO / "input.wav", tmp_path / "o.wav", *args)


def test_not_a_wav_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "in.wav").write_bytes(b"MThd not audio")
    with pytest.raises(NamWebError, match="not a WAV"):
        run(MODELS / "identity_linear_1.nam", tmp_path / "in.wav", tmp_path / "o.wav")


def test_normalized_output_uses_the_loudness_metadata(tmp_path: Path) -> None:
    """identity_wavenet_standard passes audio through and says loudness −14.97 dBFS: −3.03 dB."""
    x = tone(1000.0, 48000, 0.5, 0.1)
    wav.write(tmp_path / "in.wav", x, 48000)
    run(MODELS / "identity_wavenet_standard.nam", tmp_path / "in.wav", tmp_path / "out.wav", "--normalize")
    y = read(tmp_path / "out.wav")
    assert db(tone_level(y[4800:], 1000.0, 48000) / 0.1) == pytest.approx(-18.0 + 14.968, abs=0.02)


def test_errors_exit_2_with_the_reason(tmp_path: Path, capsys) -> None:
    wav.write(tmp_path / "in.wav", tone(1000.0, 44100, 0.1), 44100)
    code = main(["render", str(MODELS / "identity_linear_1.nam"), str(tmp_path / "in.wav"),
                 str(tmp_path / "o.wav"), "--strict-rate"])
    assert code == 2 and "48000 Hz but the audio is 44100 Hz" in capsys.readouterr().err
