"""Sine measurements: gain curve, harmonics and frequency response against known systems."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MODELS
from nam_web import namfile
from nam_web.errors import NamWebError
from nam_web.inspect.response import FLOOR_DB, frequency_response, level_sweep, measure

RATE = 48000.0


def test_level_sweep_reads_a_known_quadratic() -> None:
    # y = x + 0.1 x²: at amplitude 1 the 2nd harmonic is 0.05 (−26.02 dBc) and DC is 0.05.
    sweep = level_sweep(lambda x: x + 0.1 * x.astype(np.float64) ** 2, RATE, levels_db=[-20.0, 0.0])
    assert sweep.tone_hz == pytest.approx(996.09375)
    assert sweep.gain_db == pytest.approx([0.0, 0.0], abs=1e-4)
    assert sweep.harmonics_db[0][1] == pytest.approx(20 * np.log10(0.05), abs=1e-3)
    assert sweep.harmonics_db[0][0] == pytest.approx(20 * np.log10(0.005), abs=1e-3)
    assert sweep.harmonics_db[1] == [FLOOR_DB, FLOOR_DB]
    assert sweep.thd_percent[1] == pytest.approx(5.0, rel=1e-4)
    assert sweep.dc[1] == pytest.approx(0.05, abs=1e-6)


def test_level_sweep_sees_odd_harmonics_of_a_symmetric_clipper() -> None:
    sweep = level_sweep(lambda x: np.tanh(4 * x), RATE, levels_db=[-40.0, -6.0, 0.0])
    assert sweep.gain_db[0] == pytest.approx(20 * np.log10(4), abs=0.01)  # small signals: slope 4
    assert sweep.gain_db[2] < sweep.gain_db[1] < sweep.gain_db[0]  # compression
    assert max(sweep.harmonics_db[0]) == FLOOR_DB  # no even harmonics
    assert sweep.harmonics_db[1][2] > -20  # strong 3rd at full level
    assert sweep.thd_percent[0] < 0.1 < sweep.thd_percent[2]


def test_frequency_response_of_a_two_tap_average() -> None:
    def average(x: np.ndarray, state: list[float] = [0.0]) -> np.ndarray:  # noqa: B006 (streaming state)
        prev = np.concatenate(([state[0]], x[:-1]))
        state[0] = float(x[-1])
        return 0.5 * (x + prev)

    curve = frequency_response(average, RATE, level_db=-30)
    f = np.array(curve.frequency_hz)
    expected = 20 * np.log10(np.cos(np.pi * f / RATE))
    assert f[0] > 20 and f[-1] < 20000
    assert np.max(np.abs(np.array(curve.gain_db) - expected)) < 0.05


def test_measure_an_identity_model_is_flat_and_clean() -> None:
    response = measure(namfile.load(MODELS / "identity_linear_10.nam"), levels_db=[-30, 0],
                       response_levels_db=[-40])
    assert response.sample_rate == 48000
    assert response.levels.gain_db == pytest.approx([0, 0], abs=1e-5)
    assert np.max(np.abs(response.frequency[0].gain_db)) < 1e-4
    data = response.to_json()
    assert set(data) == {"sample_rate", "levels", "frequency"}


def test_a_model_that_blows_up_is_reported() -> None:
    with np.errstate(over="ignore"), pytest.raises(NamWebError, match=r"not finite .* at 0 dBFS"):
        level_sweep(lambda x: np.exp(1e3 * x.astype(np.float32)), RATE, levels_db=[-60.0, 0.0])


def test_a_model_too_heavy_to_measure_is_refused_before_running() -> None:
    taps = 1 << 20
    doc = namfile.NamDocument("0.5.4", "Linear", {"receptive_field": taps, "bias": False}, np.zeros(taps))
    with pytest.raises(NamWebError, match=r"billion multiply-adds \(1,048,576 per sample\)"):
        measure(doc)
