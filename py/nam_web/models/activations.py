"""The activation functions of NAM models, parsed from a .nam ``activation`` entry.

An entry is a name (``"Tanh"``) or an object with parameters
(``{"type": "LeakyReLU", "negative_slope": 0.01}``), as NeuralAmpModelerCore reads them.
Every activation works in place on float32 arrays of shape (channels, frames) or (frames,).
``fast_tanh`` is the NAM plugin's rational approximation of tanh (its "fast tanh" option).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from nam_web.errors import NamFileError

NAMES = ("Tanh", "Hardtanh", "Fasttanh", "ReLU", "LeakyReLU", "PReLU", "Sigmoid", "SiLU", "Hardswish",
         "LeakyHardtanh", "Softsign")
_ALIASES = {"LeakyHardTanh": "LeakyHardtanh"}

_F = np.float32


def _coefficients(*values: float) -> tuple[np.ndarray, ...]:
    """Polynomial coefficients, highest power first, as 0-d float32 arrays: cheaper ufunc operands
    than NumPy scalars (inside Pyodide above all)."""
    return tuple(np.array(v, dtype=_F) for v in values)


_A, _B, _C = 2.45550750702956, 0.893229853513558, 0.821226666969744  # NAM's fast tanh constants
_D, _E = 2.44506634652299, 0.814642734961073
_FAST_NUM = _coefficients(_C, _B, _A, _A)
_FAST_DEN = _coefficients(_E, 1.0, _D * _E, _D, _D)
_scratch: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def _horner(y: np.ndarray, coefficients: tuple[np.ndarray, ...], out: np.ndarray) -> None:
    """out ← the polynomial in y, in place (2 passes per degree)."""
    np.multiply(y, coefficients[0], out)
    for c in coefficients[1:-1]:
        np.add(out, c, out)
        np.multiply(out, y, out)
    np.add(out, coefficients[-1], out)


def fast_tanh(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """NAM's fast tanh, x·(a + a|x| + (b + c|x|)·x²) / (d + (d + x²)·|x + e·x·|x||), float32.

    With y = |x| (and 1 + e·y > 0) it is x·P(y)/Q(y), P = ((c·y + b)·y + a)·y + a and
    Q = (((e·y + 1)·y + d·e)·y + d)·y + d: 16 passes over preallocated scratch (per shape), no
    temporaries; ``out`` may be ``x``.
    """
    x = np.asarray(x, dtype=np.float32)
    out = np.empty_like(x) if out is None else out
    if x.shape not in _scratch:
        if len(_scratch) > 16:  # block sizes come and go: keep the cache small
            _scratch.clear()
        _scratch[x.shape] = (np.empty_like(x), np.empty_like(x), np.empty_like(x))
    y, num, den = _scratch[x.shape]
    np.absolute(x, y)
    _horner(y, _FAST_DEN, den)
    _horner(y, _FAST_NUM, num)
    np.multiply(x, num, out)
    return np.divide(out, den, out)


def sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """1 / (1 + e^(−x)), float32."""
    out = np.negative(x, out=out)
    np.exp(out, out=out)
    out += _F(1.0)
    return np.reciprocal(out, out=out)


@dataclass(frozen=True)
class Activation:
    """One parsed activation: its NAM name and parameters (slopes per channel for PReLU)."""

    name: str
    negative_slope: float = 0.01
    negative_slopes: tuple[float, ...] | None = None
    min_val: float = -1.0
    max_val: float = 1.0
    min_slope: float = 0.01
    max_slope: float = 0.01

    @classmethod
    def from_json(cls, entry: Any, at: str) -> Activation:
        """Parse a name or ``{"type": ..., parameters}``; unknown names are refused with the known ones."""
        if isinstance(entry, str):
            return cls(_check_name(entry, at))
        if not isinstance(entry, dict):
            raise NamFileError(f"activation must be a name or an object, got {type(entry).__name__}", at)
        name = _check_name(entry.get("type"), f"{at}.type")
        params: dict[str, Any] = {}
        for key in ("negative_slope", "min_val", "max_val", "min_slope", "max_slope"):
            if key in entry:
                params[key] = _number(entry[key], f"{at}.{key}")
        if "negative_slopes" in entry:
            slopes, where = entry["negative_slopes"], f"{at}.negative_slopes"
            if not isinstance(slopes, list) or not slopes:
                raise NamFileError("negative_slopes must be a non-empty list of numbers", where)
            params["negative_slopes"] = tuple(_number(s, f"{where}[{i}]") for i, s in enumerate(slopes))
        return cls(name, **params)

    def function(self, fast_tanh_enabled: bool = False) -> Callable[[np.ndarray], None]:
        """The in-place function ``f(x)`` for float32 arrays (channels first when 2-D)."""
        name = "Fasttanh" if self.name == "Tanh" and fast_tanh_enabled else self.name
        return _build(self, name)

    def bind(self, x: np.ndarray, fast_tanh_enabled: bool = False) -> Callable[[], object]:
        """The activation of this fixed buffer, in place, as a call without arguments: the bare
        ufunc for Tanh and ReLU (no Python frame per call, which counts inside Pyodide)."""
        if self.name == "Tanh" and not fast_tanh_enabled:
            return partial(np.tanh, x, x)
        if self.name == "ReLU":
            return partial(np.maximum, x, _F(0.0), out=x)
        return partial(self.function(fast_tanh_enabled), x)


def _check_name(name: Any, at: str) -> str:
    if not isinstance(name, str):
        raise NamFileError("activation type must be a string", at)
    name = _ALIASES.get(name, name)
    if name not in NAMES:
        raise NamFileError(f"unknown activation {name!r} (known: {', '.join(NAMES)})", at)
    return name


def _number(value: Any, at: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NamFileError(f"expected a number, got {type(value).__name__}", at)
    return float(value)


def _build(act: Activation, name: str) -> Callable[[np.ndarray], None]:
    if name == "Tanh":
        return lambda x: np.tanh(x, out=x)
    if name == "Fasttanh":
        return lambda x: fast_tanh(x, out=x)
    if name == "Hardtanh":
        return lambda x: np.clip(x, _F(-1.0), _F(1.0), out=x)
    if name == "ReLU":
        return lambda x: np.maximum(x, _F(0.0), out=x)
    if name in ("LeakyReLU", "PReLU"):
        if name == "PReLU" and act.negative_slopes is not None:
            slopes = np.asarray(act.negative_slopes, dtype=np.float32)

            def prelu(x: np.ndarray) -> None:
                s = slopes[:, None] if x.ndim == 2 else slopes
                np.copyto(x, np.where(x > 0, x, x * s))
            return prelu
        slope = _F(act.negative_slope)
        if 0.0 <= slope <= 1.0:  # then max(x, slope·x) is exactly x > 0 ? x : slope·x, in 2 passes
            return lambda x: np.maximum(x, x * slope, out=x)
        return lambda x: np.copyto(x, np.where(x > 0, x, x * slope))
    if name == "Sigmoid":
        return lambda x: sigmoid(x, out=x)
    if name == "SiLU":
        return lambda x: np.multiply(x, sigmoid(x), out=x)
    if name == "Hardswish":
        return lambda x: np.multiply(x, np.clip(x + _F(3.0), _F(0.0), _F(6.0)) * _F(1.0 / 6.0), out=x)
    if name == "LeakyHardtanh":
        lo, hi = _F(act.min_val), _F(act.max_val)
        lo_slope, hi_slope = _F(act.min_slope), _F(act.max_slope)

        def leaky_hardtanh(x: np.ndarray) -> None:
            np.copyto(x, np.where(x < lo, (x - lo) * lo_slope + lo,
                                  np.where(x > hi, (x - hi) * hi_slope + hi, x)))
        return leaky_hardtanh
    if name == "Softsign":
        return lambda x: np.divide(x, _F(1.0) + np.abs(x), out=x)
    raise AssertionError(name)
