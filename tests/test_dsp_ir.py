"""Cabinet IR: zero-latency partitioned convolution, and loading any WAV as the plugin does."""

from __future__ import annotations

import io

import numpy as np
import pytest
from dsp_helpers import impulse, stream
from nam_web import wav
from nam_web.dsp.convolution import PartitionedConvolver
from nam_web.dsp.ir import MAX_IR_SAMPLES, Cabinet, ImpulseResponse
from nam_web.errors import WavError


@pytest.mark.parametrize("length", [1, 7, 128, 129, 1000, 8192])
@pytest.mark.parametrize("partition", [64, 128])
def test_matches_direct_convolution(length: int, partition: int) -> None:
    rng = np.random.default_rng(length + partition)
    h = rng.standard_normal(length) * np.exp(-np.arange(length) / max(length / 5, 1)) * 0.1
    x = rng.uniform(-1, 1, 12000).astype(np.float32)
    y = stream(PartitionedConvolver(h, partition).process, x, seed=length)
    ref = np.convolve(x.astype(np.float64), h)[: x.size]
    assert np.abs(y - ref).max() < 1e-5
    conv, ys, i = PartitionedConvolver(h, partition), [], 0
    pattern = [partition, partition, 50, partition - 50, 1, partition - 1]
    while i < x.size:  # whole aligned partitions (fast path) mixed with partial ones
        n = pattern[len(ys) % len(pattern)]
        ys.append(conv.process(x[i:i + n]))
        i += n
    assert np.abs(np.concatenate(ys) - ref).max() < 1e-5


def test_output_never_waits_for_future_input() -> None:
    """Zero latency: output sample t depends on input up to t only, and h[0] acts at once."""
    h = np.random.default_rng(0).standard_normal(2000)
    x = np.random.default_rng(1).standard_normal(3000).astype(np.float32)
    conv = PartitionedConvolver(h)
    ys = [conv.process(x[i:i + 1]) for i in range(x.size)]  # one sample at a time
    ref = np.convolve(x.astype(np.float64), h)[: x.size]
    assert np.abs(np.concatenate(ys) - ref).max() < 1e-4
    first = PartitionedConvolver(h).process(np.array([1.0], dtype=np.float32))
    assert first[0] == pytest.approx(h[0], rel=1e-6)


def test_ir_gain_is_the_plugins_minus_18_db_scaled_by_rate() -> None:
    h = impulse(100)
    ir48 = ImpulseResponse.load(wav.encode(h, 48000), 48000)
    assert ir48.taps[0] == pytest.approx(10 ** (-18 / 20), rel=1e-6) and ir48.notes == []
    ir96 = ImpulseResponse.load(wav.encode(np.repeat(h, 2), 96000), 96000)
    assert ir96.taps[0] == pytest.approx(10 ** (-18 / 20) / 2, rel=1e-6)


@pytest.mark.parametrize("bits", [16, 24, 32])
def test_any_wav_loads_resampled_and_mixed(bits: int) -> None:
    rng = np.random.default_rng(bits)
    left = (rng.standard_normal(4410) * np.exp(-np.arange(4410) / 400) * 0.3).astype(np.float32)
    stereo = np.stack((left, 0.5 * left), axis=1)
    ir = ImpulseResponse.load(wav.encode(stereo, 44100, bits=bits), 48000, name="cab.wav")
    assert ir.sample_rate == 48000 and ir.taps.size == 4800
    assert any("mixed to mono" in n for n in ir.notes) and any("resampled from 44100" in n for n in ir.notes)


def test_long_irs_are_cut_with_a_note() -> None:
    long = (np.random.default_rng(0).standard_normal(20000) * 0.01).astype(np.float32)
    ir = ImpulseResponse.load(io.BytesIO(wav.encode(long, 48000)), 48000, name="hall.wav")
    assert ir.taps.size == MAX_IR_SAMPLES
    assert any("cut to 8192" in n for n in ir.notes)


def test_bad_irs_are_refused_with_a_reason() -> None:
    with pytest.raises(WavError, match="not a WAV"):
        ImpulseResponse.load(b"hello world, not audio", 48000, name="x.wav")
    with pytest.raises(WavError, match="silent"):
        ImpulseResponse.load(wav.encode(np.zeros(100, dtype=np.float32), 48000), 48000)


def test_loading_an_ir_crossfades_instead_of_clicking() -> None:
    rate = 48000
    x = (0.5 * np.sin(2 * np.pi * 220 * np.arange(rate) / rate)).astype(np.float32)
    h = impulse(64, -1.0 / 10 ** (-18 / 20))  # an inverting IR: an instant switch would jump by 2·|x|
    cab = Cabinet(rate)
    first = cab.process(x[:10000])
    cab.set_ir(ImpulseResponse.load(wav.encode(h, rate), rate))
    rest = np.concatenate([cab.process(x[i:i + 128]) for i in range(10000, x.size, 128)])
    y = np.concatenate((first, rest))
    assert np.abs(np.diff(y)).max() < 0.05  # the sine's own step is 0.5·2π·220/48000 ≈ 0.0144
    assert np.allclose(rest[-1000:], -x[-1000:], atol=1e-5)
