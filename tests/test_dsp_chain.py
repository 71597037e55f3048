"""The whole chain: order, levels and output modes, latency, safety, faults, settings API."""

from __future__ import annotations

import numpy as np
import pytest
from dsp_helpers import db, identity, stream, tone, tone_level
from nam_web import wav
from nam_web.dsp.base import in_blocks
from nam_web.dsp.chain import Chain, ChainSettings
from nam_web.dsp.dc_blocker import DCBlocker
from nam_web.dsp.ir import ImpulseResponse
from nam_web.dsp.levels import ModelLevels
from nam_web.dsp.safety import Limiter, scrub

RAW = ChainSettings(output_mode="raw")


class Blowup:
    """A model that plays clean, then from sample ``at`` on returns NaN (or a huge value)."""

    sample_rate = 48000.0
    latency = 0

    def __init__(self, at: int, value: float = np.nan) -> None:
        self.at, self.value, self.done, self.prewarms = at, value, 0, 0

    def process(self, x: np.ndarray) -> np.ndarray:
        y = np.asarray(x, dtype=np.float32).copy()
        idx = self.done + np.arange(y.size)
        y[idx >= self.at] = self.value
        self.done += y.size
        return y

    def reset(self) -> None:
        pass

    def prewarm(self) -> None:
        self.prewarms += 1


def dc_blocked(x: np.ndarray, rate: float) -> np.ndarray:
    """What the chain's last filter does to ``x`` (the 5 Hz high-pass)."""
    return DCBlocker(rate).process(x)


def play(chain: Chain, x: np.ndarray, block: int = 128) -> np.ndarray:
    return in_blocks(chain.process, x, block)


def test_identity_model_raw_chain_is_transparent_above_the_dc_blocker() -> None:
    chain = Chain(48000, RAW)
    chain.set_model(identity())
    x = tone(1000.0, 48000, 0.5, 0.25)
    y = play(chain, x)
    assert chain.latency == 0 and chain.notes == []
    assert np.abs(y - dc_blocked(x, 48000)).max() < 1e-6


def test_levels_in_db() -> None:
    chain = Chain(48000, ChainSettings(output_mode="raw", input_db=-6.0, output_db=12.0))
    chain.set_model(identity())
    y = play(chain, tone(1000.0, 48000, 0.5, 0.1))
    assert db(tone_level(y[4800:], 1000.0, 48000) / 0.1) == pytest.approx(6.0, abs=0.01)


def test_normalized_and_calibrated_modes_follow_the_plugin() -> None:
    levels = ModelLevels(loudness=-10.0, input_level_dbu=18.0, output_level_dbu=20.0)
    x = tone(1000.0, 48000, 0.4, 0.01)
    for settings, expected in [
        (ChainSettings(output_mode="normalized"), -18.0 - -10.0),
        (ChainSettings(output_mode="calibrated", interface_dbu=12.0), 20.0 - 12.0),
        (ChainSettings(output_mode="raw", calibrate_input=True, interface_dbu=12.0), 12.0 - 18.0),
    ]:
        chain = Chain(48000, settings)
        chain.set_model(identity(), levels)
        y = play(chain, x)
        assert db(tone_level(y[4800:], 1000.0, 48000) / 0.01) == pytest.approx(expected, abs=0.01)
        assert chain.notes == []


def test_missing_metadata_falls_back_with_a_note() -> None:
    chain = Chain(48000, ChainSettings(output_mode="normalized", calibrate_input=True))
    chain.set_model(identity(), ModelLevels())
    assert any("no loudness" in n for n in chain.notes)
    assert any("no input_level_dbu" in n for n in chain.notes)
    chain.set(output_mode="calibrated")
    assert any("no output_level_dbu" in n for n in chain.notes)


def test_model_at_another_rate_is_resampled_and_latency_is_exact() -> None:
    chain = Chain(44100, RAW)
    chain.set_model(identity(48000.0), name="id")
    assert chain.latency > 0 and any("resampling adds" in n for n in chain.notes)
    x = tone(1000.0, 44100, 0.5, 0.25)
    y = play(chain, x)
    lat = chain.latency
    assert np.abs(y[lat + 4410:] - dc_blocked(x, 44100)[4410:x.size - lat]).max() < 1e-4


def test_model_without_a_rate_is_assumed_48k() -> None:
    chain = Chain(48000, RAW)
    chain.set_model(identity(None))
    assert chain.latency == 0 and any("assuming 48000" in n for n in chain.notes)


def test_whole_chain_is_block_size_invariant() -> None:
    settings = ChainSettings(output_mode="raw", gate_active=True, gate_threshold_db=-50, bass=7, mid=3,
                             treble=6, input_db=3.0)
    x = (np.random.default_rng(0).standard_normal(30000) * 0.1).astype(np.float32)
    x[10000:15000] *= 1e-4
    h = (np.random.default_rng(5).standard_normal(3000) * np.exp(-np.arange(3000) / 300)).astype(np.float32)
    outs = []
    for seed in (1, 2):
        chain = Chain(44100, settings)
        chain.set_model(identity(48000.0))
        chain.set_ir(ImpulseResponse.from_audio(wav.Audio(h[:, None], 44100), 44100))
        outs.append(stream(chain.process, x, seed=seed))
    assert np.abs(outs[0] - outs[1]).max() < 1e-5


def test_limiter_never_exceeds_0_dbfs_and_leaves_quiet_audio_alone() -> None:
    limiter = Limiter(48000)
    loud = (np.random.default_rng(1).standard_normal(20000) * 30).astype(np.float32)
    assert np.abs(stream(limiter.process, loud)).max() <= 1.0
    quiet = (np.random.default_rng(2).standard_normal(20000) * 0.05).astype(np.float32)
    assert np.array_equal(Limiter(48000).process(quiet), quiet)


def test_non_finite_input_is_silenced_and_counted() -> None:
    x, count = scrub(np.array([0.1, np.nan, np.inf, -0.2], dtype=np.float32))
    assert count == 2 and np.array_equal(x, np.array([0.1, 0.0, 0.0, -0.2], dtype=np.float32))
    chain = Chain(48000, RAW)
    y = chain.process(np.array([0.1, np.nan] * 64, dtype=np.float32))
    assert np.isfinite(y).all() and chain.stats.nonfinite_in == 64
    limiter = Limiter(48000)
    y = limiter.process(np.array([0.5, np.inf, -np.inf, np.nan, 3.0], dtype=np.float32))
    assert np.isfinite(y).all() and np.abs(y).max() <= 1.0 and limiter.nonfinite == 3


@pytest.mark.parametrize("value", [np.nan, np.inf, 1e6])
def test_a_model_that_blows_up_is_a_reported_fault_and_silence(value: float) -> None:
    chain = Chain(48000, RAW)
    model = Blowup(at=4800, value=value)
    chain.set_model(model)
    x = tone(440.0, 48000, 0.5, 0.3)
    y = play(chain, x)
    assert np.isfinite(y).all() and np.abs(y).max() <= 0.31
    assert np.all(y[4864:] == 0.0)  # from the first faulty block on: silence
    assert chain.stats.faults >= 1 and chain.stats.last_fault
    assert model.prewarms == 1  # one fresh start per streak of faults
    assert any("fault" in n for n in chain.notes)


def test_no_model_passes_through() -> None:
    chain = Chain(48000, RAW)
    x = tone(1000.0, 48000, 0.2, 0.2)
    assert np.abs(play(chain, x) - dc_blocked(x, 48000)).max() < 1e-6


def test_settings_are_checked_and_round_trip() -> None:
    s = ChainSettings(bass=7.5, gate_active=True)
    assert ChainSettings.from_json(s.to_json()) == s
    with pytest.raises(ValueError, match="bass"):
        ChainSettings(bass=12)
    with pytest.raises(ValueError, match="output_mode"):
        ChainSettings(output_mode="loud")
    with pytest.raises(ValueError, match="gate_active"):
        ChainSettings(gate_active="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown setting"):
        ChainSettings.from_json({"volume": 11})


def test_level_changes_ramp() -> None:
    chain = Chain(48000, RAW)
    x = tone(50.0, 48000, 1.0, 0.05)
    play(chain, x[:4800])
    chain.set(output_db=20.0)
    y = play(chain, x[4800:])
    steady = np.abs(np.diff(y[-4800:])).max()  # the 50 Hz sine's own largest step at +20 dB
    assert np.abs(np.diff(y)).max() <= steady * 1.01  # no jump while the gain moves
    assert db(tone_level(y[-4800:], 50.0, 48000) / 0.05) == pytest.approx(20.0, abs=0.05)
