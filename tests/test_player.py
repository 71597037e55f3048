"""nam_web.player: what the browser worker runs per block (A/B, fades, errors, render)."""

from __future__ import annotations

import gc
import json

import numpy as np
import pytest
from nam_web import wav
from nam_web.dsp.chain import Chain, ChainSettings
from nam_web.dsp.levels import ModelLevels
from nam_web.errors import NamWebError
from nam_web.models import load
from nam_web.player import FADE_SECONDS, Player

from tests.conftest import AUDIO, MODELS

RATE = 48000


def player_with(*names: str) -> Player:
    p = Player(RATE)
    for slot, name in zip("AB", names, strict=False):
        p.load_model((MODELS / name).read_bytes(), slot, name)
    return p


def guitar(seconds: float = 0.5) -> np.ndarray:
    return wav.read(AUDIO / "di10.wav").mono()[: int(seconds * RATE)]


def test_live_blocks_match_the_chain_that_nam_web_render_uses() -> None:
    p = player_with("wavenet.nam")
    p.set_controls(bass=7.0, gate_active=True, gate_threshold_db=-70.0)
    chain = Chain(RATE)  # built as the player builds it: model first, then the knobs turned
    chain.set_model(load(MODELS / "wavenet.nam"), ModelLevels(loudness=-20.020729064941406))
    chain.update(ChainSettings(bass=7.0, gate_active=True, gate_threshold_db=-70.0))
    x = guitar()
    live = np.concatenate([p.process(x[i:i + 128]) for i in range(0, x.size, 128)])
    np.testing.assert_allclose(live, chain.process(x), atol=1e-6)


def test_broken_files_are_named_and_the_old_model_keeps_playing() -> None:
    p = player_with("lstm.nam")
    with pytest.raises(NamWebError, match=r"^broken\.nam: .*JSON"):
        p.load_model(b'{"version": ', "A", "broken.nam")
    with pytest.raises(NamWebError, match=r"^ir\.wav: "):
        p.load_ir(b"RIFF....WAVE", "ir.wav")
    with pytest.raises(NamWebError, match="unknown control"):
        p.set_controls(presence=3)
    with pytest.raises(NamWebError, match="outside"):
        p.set_controls(bass=11)
    assert json.loads(p.describe())["slots"]["A"]["name"] == "Test LSTM"
    assert np.any(p.process(guitar(0.05)))


def test_ab_switch_mute_and_bypass_glide_without_jumps() -> None:
    p = player_with("wavenet.nam", "lstm.nam")
    x = np.full(128, 0.3, dtype=np.float32)
    for _ in range(40):
        p.process(x)
    outputs = [p.process(x)]
    p.select("B")
    outputs += [p.process(x) for _ in range(10)]
    p.set_controls(mute=True)
    outputs += [p.process(x) for _ in range(10)]
    y = np.concatenate(outputs)
    assert np.max(np.abs(np.diff(y))) < 0.01  # a click would be a jump
    assert not np.any(y[-128:])  # muted is silent, not -120 dB
    p.set_controls(mute=False, bypass=True)
    for _ in range(int(FADE_SECONDS * RATE / 128) + 2):
        out = p.process(x)
    np.testing.assert_allclose(out, x)


def test_size_class_and_meters() -> None:
    p = player_with("wavenet_a1_standard.nam")
    assert json.loads(p.describe())["slots"]["A"]["size_class"] == "Standard"
    p.process(np.array([0.5, -1.5, 0.2], dtype=np.float32))
    meters = json.loads(p.take_meters())
    assert meters["in_peak"] == 1.5 and meters["in_clips"] == 1
    assert json.loads(p.take_meters())["in_peak"] == 0.0


def test_di_render_is_a_wav_of_the_di_through_the_active_chain() -> None:
    p = player_with("wavenet.nam")
    p.set_di((AUDIO / "di10.wav").read_bytes(), "di10.wav")
    p.process(np.zeros(128, np.float32))  # live use does not disturb the render
    rendered = wav.read(p.render())
    assert rendered.sample_rate == RATE and rendered.frames == 10 * RATE
    again = wav.read(p.render())
    np.testing.assert_array_equal(rendered.samples, again.samples)
    with pytest.raises(NamWebError, match="no DI loaded"):
        Player(RATE).render()


def test_the_worker_path_through_block_in_and_block_out_is_process() -> None:
    """What the worker calls: blocks written into ``block_in``, read back from ``block_out``."""
    by_arrays, direct = player_with("wavenet.nam"), player_with("wavenet.nam")
    x = guitar(0.2)
    out, i = [], 0
    for n in [128, 384, 128, 128, 640] * 5:  # blocks, and a backlog after a stall now and then
        by_arrays.block_in[:n] = x[i:i + n]
        by_arrays.process_block(n)
        out.append(by_arrays.block_out[:n].copy())
        i += n
    np.testing.assert_array_equal(np.concatenate(out), direct.process(x[:i]))


def test_settle_memory_freezes_what_was_loaded_and_the_player_still_plays() -> None:
    p = player_with("wavenet.nam")  # load_model settles memory
    try:
        assert gc.get_freeze_count() > 0
        assert np.any(p.process(guitar(0.05)))
    finally:
        gc.unfreeze()
