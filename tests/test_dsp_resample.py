"""Resampling: band-limited quality, tone in → tone out, exact latency, block-size invariance."""

from __future__ import annotations

import numpy as np
import pytest
from dsp_helpers import db, identity, stream, tone, tone_level
from nam_web.dsp.resample import ResampledModel, Resampler, ResamplerDesign, resample


def through(rate_in: float, rate_out: float, x: np.ndarray) -> np.ndarray:
    return stream(Resampler(ResamplerDesign.create(rate_in, rate_out)).process, x)


@pytest.mark.parametrize(("rate_in", "rate_out"), [(44100, 48000), (48000, 44100), (96000, 48000),
                                                   (48000, 96000)])
def test_passband_is_flat_to_20_khz(rate_in: int, rate_out: int) -> None:
    levels = []
    for frequency in (100.0, 1000.0, 8000.0, 15000.0, 19000.0, 20000.0):
        y = through(rate_in, rate_out, tone(frequency, rate_in, 0.25, 0.5))
        levels.append(db(tone_level(y[2000:-2000], frequency, rate_out) / 0.5))
    assert max(levels) - min(levels) <= 0.1 and max(abs(v) for v in levels) <= 0.1


@pytest.mark.parametrize(("rate_in", "rate_out", "frequency"),
                         [(48000, 44100, 23000.0), (96000, 48000, 30000.0), (96000, 48000, 45000.0)])
def test_stopband_rejects_at_least_90_db(rate_in: int, rate_out: int, frequency: float) -> None:
    """Content above the lower Nyquist frequency must not alias back in."""
    y = through(rate_in, rate_out, tone(frequency, rate_in, 0.25, 0.5))
    assert db(np.sqrt(2) * np.std(y[2000:-2000]) / 0.5) < -90  # whatever is left, at any frequency


@pytest.mark.parametrize("audio_rate", [44100, 96000, 32000, 88200, 47999])
def test_model_at_48k_in_another_stream_keeps_tone_and_reports_latency(audio_rate: int) -> None:
    wrapped = ResampledModel(identity(), audio_rate, 48000)
    x = tone(1000.0, audio_rate, 0.5, 0.5)
    y = stream(wrapped.process, x, seed=audio_rate)
    lat = wrapped.latency
    assert y.size == x.size
    assert np.abs(y[lat + 1000:] - x[1000:x.size - lat]).max() < 1e-4  # identity, delayed by latency
    assert db(tone_level(y[lat + 1000:], 1000.0, audio_rate) / 0.5) == pytest.approx(0.0, abs=0.01)
    spectrum = np.abs(np.fft.rfft(y[lat:] * np.hanning(y.size - lat)))
    assert np.fft.rfftfreq(y.size - lat, 1 / audio_rate)[spectrum.argmax()] == pytest.approx(1000.0, abs=3)


def test_latency_is_a_few_milliseconds() -> None:
    assert ResampledModel(identity(), 44100, 48000).latency / 44100 < 0.004
    assert ResampledModel(identity(), 96000, 48000).latency / 96000 < 0.002


def test_block_size_does_not_change_the_output() -> None:
    x = np.random.default_rng(3).standard_normal(20000).astype(np.float32)
    a = stream(ResampledModel(identity(), 44100, 48000).process, x, seed=1)
    b = stream(ResampledModel(identity(), 44100, 48000).process, x, seed=2)
    assert np.array_equal(a, b)


def test_offline_resample_keeps_time_zero_and_length() -> None:
    x = np.zeros(1000, dtype=np.float32)
    x[100] = 1.0
    y = resample(x, 48000, 96000)
    assert y.size == 2000 and int(np.argmax(y)) == 200
    assert np.array_equal(resample(x, 48000, 48000), x)
