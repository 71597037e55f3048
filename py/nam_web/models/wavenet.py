"""WaveNet streaming engine: the layer arrays of NeuralAmpModelerCore, a few NumPy calls per layer.

Signals are (channels, frames) float32. Per block, each layer does (the maths of NAM Core's
``wavenet::detail::Layer``)::

    z = W_conv · [x(t − (K−1)d); …; x(t)] + b_conv + W_mix · c(t)       one product (see below)
    a = act(z)                      (gated: act(z_top)·σ(z_bot); blended: α·act(z_top) + (1−α)·z_top)
    x_next = x + W_1x1 · a + b_1x1  (residual)            skip = a  (or head1x1 · a + b)

and each array's head is ``W_head ∗ Σ skip``. Speed comes from:

* one matrix product per layer for the dilated taps + input mixin + bias: the taps of the layer's
  input history, the condition rows and a row of ones are stacked in one matrix ``S``;
* ring-buffer histories: each layer's input is written once, straight into the history its
  convolution reads, and the previous layer's residual add writes there (no concatenation); all
  histories share one offset, so a chunk is a flat list of bound calls on fixed views, built once
  per (block size, offset) and replayed (no Python work around the NumPy calls);
* every layer's activation output stays in one matrix ``Z`` (with a ones row per layer), so all
  skip sums, head 1×1s, head re-channels and ``head_scale`` fold into one final product when the
  heads are 1×1 (the usual case);
* each chunk is computed a multiple of 16 columns wide, so BLAS rounds every sample the same way
  whatever the block size (the output is bit-identical however the signal is cut);
* inside Pyodide: ``einsum`` instead of ``matmul`` (no BLAS there; einsum's cost per
  multiply-add stays flat with the block size while matmul's grows), or, when the page loaded
  Pyodide's ``libopenblas`` package, OpenBLAS ``cblas_sgemm`` through ctypes for the layer products
  (arguments bound once per block size; the same sums in the same order as einsum, ≈ 15 % faster).

FiLM, gating/blending, grouped convolutions (dense block-diagonal matrices), head kernels > 1, a
post-stack head and a conditioning model take the general path of the same design.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from nam_web import namfile
from nam_web.errors import NamFileError, NamWebError
from nam_web.models import build, register
from nam_web.models.base import EngineOptions, Model
from nam_web.models.wavenet_config import GatingMode, LayerArrayConfig, WaveNetConfig
from nam_web.models.wavenet_weights import Conv, LayerArrayWeights, LayerWeights, slim, unpack

ON_WASM = sys.platform == "emscripten"
"""Inside Pyodide: NumPy without BLAS and without SIMD transcendental functions."""

MAX_CHUNK = 1024
"""Longest stretch (samples) processed at once; longer blocks are cut (the output does not change)."""

ROOM = 2 * MAX_CHUNK
"""Columns every history keeps ahead of its look-back before all of them wrap together."""

OPS_CACHE = 64
"""Op lists kept per block size (one per history offset: 16 for steady 128-sample blocks)."""

PLANS_CACHE = 8
"""Block sizes whose buffers are kept: building them costs about a 128-sample block inside Pyodide."""

PAD = 16
"""Chunks are computed a multiple of PAD columns wide: BLAS rounds a column differently when it falls
in a partial panel, which would make the output depend (by ~1e-5) on how the signal is cut. The
extra columns land in each history's future, which the next block overwrites before reading."""

F32 = np.float32


def _matmul(w: np.ndarray, x: np.ndarray, out: np.ndarray) -> None:
    np.matmul(w, x, out=out)


def _einsum(w: np.ndarray, x: np.ndarray, out: np.ndarray) -> None:
    np.einsum("ij,jk->ik", w, x, out=out)


product: Callable[[np.ndarray, np.ndarray, np.ndarray], None] = _einsum if ON_WASM else _matmul
"""out = w @ x: BLAS matmul in CPython; einsum in Pyodide, whose matmul has no BLAS and slows with N."""


def _openblas_sgemm() -> Callable[..., None] | None:
    """Inside Pyodide, OpenBLAS's ``cblas_sgemm`` when the libopenblas package is loaded, else None."""
    if not ON_WASM:
        return None
    try:
        return ctypes.CDLL("libopenblas.so").cblas_sgemm
    except (OSError, AttributeError):  # not loaded, or a build without CBLAS
        return None


SGEMM = _openblas_sgemm()
"""Pyodide's OpenBLAS sgemm (optional): faster than einsum on the layer products there."""


def bound_product(w: np.ndarray, x: np.ndarray, out: np.ndarray) -> Callable[[], object]:
    """``out = w @ x`` on these fixed buffers as a call without arguments, prepared once per block
    size: OpenBLAS sgemm through ctypes (arguments converted once) when :data:`SGEMM` is loaded,
    else :data:`product`'s choice. Row-major 2-D views with unit column stride."""
    if w.shape[1] == 1:  # an outer product (e.g. the 1-channel input re-channelled): no sums at all
        return partial(np.multiply, w, x, out=out)
    if SGEMM is None:
        if ON_WASM:
            return partial(np.einsum, "ij,jk->ik", w, x, out=out)
        return partial(np.matmul, w, x, out=out)
    assert w.flags.c_contiguous and x.strides[1] == out.strides[1] == w.itemsize
    (m, k), n = w.shape, x.shape[1]
    row_major, no_trans, one, zero = 101, 111, ctypes.c_float(1.0), ctypes.c_float(0.0)
    pointer = ctypes.c_void_p
    return partial(
        SGEMM, row_major, no_trans, no_trans, m, n, k,
        one, pointer(w.ctypes.data), k,
        pointer(x.ctypes.data), x.strides[0] // x.itemsize,
        zero, pointer(out.ctypes.data), out.strides[0] // out.itemsize,
    )  # fmt: skip


def _with_bias(conv: Conv) -> np.ndarray:
    """A 1×1 conv as one matrix [W | b] acting on [x; 1]."""
    return np.concatenate([conv.weight[:, :, 0], conv.bias[:, None]], axis=1)


def _f32(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=F32)


class _History:
    """Ring buffer of a (channels, time) signal feeding a dilated causal convolution.

    Column ``lookback + offset`` is where a chunk's input starts, ``offset`` being shared by every
    history of the model (they all move on and wrap together, so one set of views serves the whole
    network for a given offset). ``taps`` views the K dilated copies of a chunk's input, shape
    (K, channels, n), tap K−1 being the current sample. When the :data:`ROOM` ahead runs out, the
    last ``lookback`` columns move to the front (amortised: well under one column per sample).
    """

    def __init__(self, channels: int, kernel: int, dilation: int) -> None:
        self.lookback = (kernel - 1) * dilation
        self.buffer = np.zeros((channels, self.lookback + ROOM), dtype=F32)
        item = self.buffer.itemsize
        self.all_taps = np.lib.stride_tricks.as_strided(
            self.buffer,
            shape=(kernel, channels, ROOM),
            strides=(dilation * item, self.buffer.shape[1] * item, item),
            writeable=False,
        )

    def reset(self) -> None:
        self.buffer[:] = 0.0

    def window(self, offset: int, n: int) -> np.ndarray:
        """Where a chunk of n samples starting at ``offset`` is written."""
        start = self.lookback + offset
        return self.buffer[:, start : start + n]

    def taps(self, offset: int, n: int) -> np.ndarray:
        return self.all_taps[:, :, offset : offset + n]

    def wrap(self, offset: int) -> None:
        """Move the look-back before ``offset`` to the front: the next chunk starts at offset 0."""
        lb = self.lookback
        self.buffer[:, :lb] = self.buffer[:, offset : offset + lb]


class _FiLM:
    """x ← x·scale(c) + shift(c), with [scale; shift] = W·c + b computed from the stacked [c; 1] rows."""

    def __init__(self, conv: Conv, dim: int) -> None:
        self.dim = dim
        self.weight = _f32(_with_bias(conv))

    def apply(self, x: np.ndarray, cond1: np.ndarray, scratch: np.ndarray) -> None:
        scale_shift = scratch[: self.weight.shape[0]]
        product(self.weight, cond1, scale_shift)
        x *= scale_shift[: self.dim]
        if scale_shift.shape[0] > self.dim:
            x += scale_shift[self.dim :]


class _Layer:
    """One WaveNet layer bound to its weights; ``run`` processes a block."""

    def __init__(self, a: LayerArrayConfig, i: int, w: LayerWeights, fast_tanh: bool) -> None:
        self.channels, self.bottleneck, self.cond = a.channels, a.bottleneck, a.condition_size
        self.kernel, self.dilation = a.kernel_sizes[i], a.dilations[i]
        self.gating = a.gating_modes[i]
        self.conv_rows = a.conv_out(i)
        self.films = {key: _FiLM(conv, a.film_dim(key, i)) for key, conv in w.films.items()}
        self.activation = a.activations[i].function(fast_tanh)
        self.bind_activation = partial(a.activations[i].bind, fast_tanh_enabled=fast_tanh)
        sec = a.secondary_activations[i]
        self.secondary = sec.function(fast_tanh) if sec is not None else None
        self.history = _History(a.channels, self.kernel, self.dilation)

        k, c = self.kernel, self.channels
        conv_w = w.conv.weight.transpose(0, 2, 1).reshape(self.conv_rows, k * c)  # column k·C + c
        conv_b = w.conv.bias[:, None]
        mix_w = w.mixin.weight[:, :, 0]
        self.split_mixin = any(
            key in self.films for key in ("conv_post_film", "input_mixin_pre_film", "input_mixin_post_film")
        )
        """A FiLM between conv and sum: conv and mixin need separate products."""
        if not self.split_mixin:  # S rows: [c; 1; taps]
            self.w_in = _f32(np.concatenate([mix_w, conv_b, conv_w], axis=1))
        else:
            self.w_in = _f32(np.concatenate([conv_b, conv_w], axis=1))  # rows [1; taps]
            self.w_mix = _f32(mix_w)
        self.w_1x1 = None if w.layer1x1 is None else _f32(_with_bias(w.layer1x1))  # reads [a; 1]
        self.head1x1 = w.head1x1
        self.skip_is_a = w.head1x1 is None or "head1x1_post_film" not in self.films
        """The skip output is a linear function of a (folded into the head); else it is materialised."""
        self.w_head1x1 = None
        if w.head1x1 is not None and not self.skip_is_a:
            self.w_head1x1 = _f32(_with_bias(w.head1x1))
        self.skip_rows = self.bottleneck if self.skip_is_a else w.head1x1.weight.shape[0]
        self.plain = self.gating is GatingMode.NONE and not self.films and self.w_1x1 is not None
        """The common layer (no gating, no FiLM, with a 1×1): five calls in WaveNet._ops."""

    def skip_map(self) -> np.ndarray:
        """(skip size, slot rows + 1): the layer's skip output as a function of its Z slot [slot; 1]."""
        if not self.skip_is_a or self.head1x1 is None:
            return np.eye(self.skip_rows, self.skip_rows + 1)
        return _with_bias(self.head1x1)

    def run(
        self,
        x: np.ndarray,
        stack: np.ndarray,
        slot: np.ndarray,
        scratch: _Scratch,
        x_next: np.ndarray,
        n: int,
        offset: int,
    ) -> None:
        """Process one chunk (the general path: gating, FiLM, no 1×1). ``x``: input (channels, n) —
        already in the history window unless a conv pre-FiLM needs it in scratch; ``stack``:
        [c; 1; taps…] rows; ``slot``: this layer's rows of Z ([skip-or-a; 1]); ``x_next``: where the
        residual output goes; ``offset``: the histories' offset."""
        cc, films, b = self.cond, self.films, self.bottleneck
        cond1 = stack[: cc + 1]
        if "conv_pre_film" in films:
            window = self.history.window(offset, n)
            np.copyto(window, x)
            films["conv_pre_film"].apply(window, cond1, scratch.film)
        taps_rows = stack[cc + 1 : cc + 1 + self.kernel * self.channels]
        np.copyto(taps_rows.reshape(self.kernel, self.channels, n), self.history.taps(offset, n))
        a = slot[:b] if self.skip_is_a else scratch.a[:b]
        a1 = slot if self.skip_is_a else scratch.a  # [a; 1]
        z = a if self.gating is GatingMode.NONE else scratch.z[: self.conv_rows]
        if not self.split_mixin:
            product(self.w_in, stack[: cc + 1 + self.kernel * self.channels], z)
        else:
            product(self.w_in, stack[cc : cc + 1 + self.kernel * self.channels], z)
            if "conv_post_film" in films:
                films["conv_post_film"].apply(z, cond1, scratch.film)
            c_in = stack[:cc]
            if "input_mixin_pre_film" in films:
                c_in = scratch.cond[:cc]
                np.copyto(c_in, stack[:cc])
                films["input_mixin_pre_film"].apply(c_in, cond1, scratch.film)
            mix = scratch.mix[: self.conv_rows]
            product(self.w_mix, c_in, mix)
            if "input_mixin_post_film" in films:
                films["input_mixin_post_film"].apply(mix, cond1, scratch.film)
            z += mix
        if "activation_pre_film" in films:
            films["activation_pre_film"].apply(z, cond1, scratch.film)
        if self.gating is GatingMode.NONE:
            self.activation(a)
        else:
            top, bottom = z[:b], z[b:]
            self.secondary(bottom)
            if self.gating is GatingMode.GATED:
                np.copyto(a, top)
                self.activation(a)
                a *= bottom
            else:  # blended: α·act(top) + (1 − α)·top = top + α·(act(top) − top)
                np.copyto(a, top)
                self.activation(a)
                a -= top
                a *= bottom
                a += top
        if "activation_post_film" in films:
            films["activation_post_film"].apply(a, cond1, scratch.film)
        if self.w_1x1 is not None:
            r = scratch.residual[: self.channels]
            product(self.w_1x1, a1, r)
            if (
                self.gating is GatingMode.BLENDED and "layer1x1_post_film" in films
            ):  # NAM Core applies it here only
                films["layer1x1_post_film"].apply(r, cond1, scratch.film)
            np.add(x, r, out=x_next)
        else:
            np.copyto(x_next, x)
        if not self.skip_is_a:
            skip = slot[: self.skip_rows]
            product(self.w_head1x1, a1, skip)
            films["head1x1_post_film"].apply(skip, cond1, scratch.film)


@dataclass
class _Scratch:
    """Per-block-size work buffers shared by the layers of an array."""

    z: np.ndarray
    a: np.ndarray
    mix: np.ndarray
    cond: np.ndarray
    film: np.ndarray
    residual: np.ndarray


class _HeadConv:
    """A causal conv over its own history (head re-channel with kernel > 1, post-stack head)."""

    def __init__(self, conv: Conv, dilation: int = 1, extra_scale: float = 1.0) -> None:
        cout, cin, k = conv.weight.shape
        self.cin, self.cout, self.kernel = cin, cout, k
        self.history = _History(cin, k, dilation)
        bias = conv.bias if conv.bias is not None else np.zeros(cout)
        self.weight = _f32(
            extra_scale
            * np.concatenate([bias[:, None], conv.weight.transpose(0, 2, 1).reshape(cout, k * cin)], axis=1)
        )  # rows [1; taps]
        self.stack = np.empty((0, 0), dtype=F32)

    def run(self, x_into: Callable[[np.ndarray], None], out: np.ndarray, n: int, offset: int) -> None:
        """``x_into(window)`` writes the (padded, n wide) input at the histories' ``offset``; the
        conv output goes to ``out``."""
        x_into(self.history.window(offset, n))
        if self.stack.shape[1] != n:
            self.stack = np.empty((1 + self.kernel * self.cin, n), dtype=F32)
            self.stack[0] = 1.0
        np.copyto(self.stack[1:].reshape(self.kernel, self.cin, n), self.history.taps(offset, n))
        product(self.weight, self.stack, out)


class _LayerArray:
    def __init__(self, a: LayerArrayConfig, w: LayerArrayWeights, fast_tanh: bool) -> None:
        self.config = a
        self.rechannel = _f32(w.rechannel.weight[:, :, 0])
        self.layers = [_Layer(a, i, lw, fast_tanh) for i, lw in enumerate(w.layers)]
        self.head = w.head
        self.stack_rows = a.condition_size + 1 + max(a.kernel_sizes) * a.channels
        self.slot_rows = [layer.skip_rows + 1 for layer in self.layers]


@dataclass
class _Plan:
    """Buffers and views for one block size n (rebuilt when n changes)."""

    n: int
    """Columns computed: the chunk length rounded up to a multiple of PAD."""
    input: np.ndarray
    cond: np.ndarray
    """The condition rows (the input, or the conditioning model's output), (channels, n)."""
    stacks: list[np.ndarray]
    z_all: np.ndarray
    slots: list[list[np.ndarray]]
    scratch: list[_Scratch]
    carries: list[np.ndarray]
    """Per array: its last layer's output (the next array's input), (channels, n)."""
    head_out: list[np.ndarray | None]
    x_scratch: list[list[np.ndarray | None]]
    """Per layer: where its input goes when a conv pre-FiLM needs it outside the history, else None."""
    lean: list[list[tuple | None]]
    """Per plain layer: (taps destination in S, the conv product, activation, the 1×1 product, residual)."""
    head: np.ndarray
    """The heads' output before a post-stack head, (out channels, n)."""
    output: np.ndarray
    ops: dict[int, list[Callable[[], object]]]
    """Per history offset: the whole chunk as calls without arguments (see WaveNet._ops)."""


class WaveNet(Model):
    """Streaming WaveNet matching NeuralAmpModelerCore (``nam::wavenet::WaveNet``)."""

    def __init__(
        self, config: WaveNetConfig, weights: np.ndarray, sample_rate: float | None, options: EngineOptions
    ) -> None:
        self.sample_rate = sample_rate
        self.full_config = config
        self._full_weights = unpack(config, weights)
        self._fast_tanh = options.fast_tanh
        self.condition_model: Model | None = None
        if config.condition_dsp is not None:
            # NAM Core slims only the top-level model; the conditioning model always runs full size.
            nested = replace(options, slim=None)
            self.condition_model = build(config.condition_dsp, nested, "$.config.condition_dsp")
            cond_rate = config.condition_dsp.sample_rate
            if (cond_rate or namfile.NamDocument.DEFAULT_SAMPLE_RATE) != (
                sample_rate or namfile.NamDocument.DEFAULT_SAMPLE_RATE
            ):
                raise NamFileError(
                    f"condition_dsp sample rate {cond_rate} Hz differs from the model's {sample_rate} Hz",
                    "$.config.condition_dsp.sample_rate",
                )
        ratio = 1.0 if options.slim is None else float(options.slim)
        if not 0.0 <= ratio <= 1.0:
            raise NamFileError(f"slim size {ratio} is outside 0..1", "$.config")
        self._size(ratio)

    def _size(self, ratio: float) -> None:
        """Bind the layers to the sub-network NAM Core runs at slimmable size ``ratio`` (fresh state)."""
        config, parsed = self.full_config, self._full_weights
        if config.slimmable:
            config, parsed = slim(config, parsed, ratio)
        self.config = config
        fast = self._fast_tanh
        self.arrays = [
            _LayerArray(a, w, fast) for a, w in zip(config.layer_arrays, parsed.arrays, strict=True)
        ]
        self.head_scale = parsed.head_scale
        self.post_activation = config.post_head.activation.function(fast) if config.post_head else None
        self.post_convs = [_HeadConv(c) for c in parsed.post_head]
        self._build_head(parsed.head_scale)
        self._plans: dict[int, _Plan] = {}
        """Per chunk width: a player alternates a few (its block, and a backlog after a stall)."""
        self._offset = 0
        """Where the next chunk starts in every history (see _History)."""

    @property
    def slim_breakpoints(self) -> tuple[float, ...]:
        """Sizes where some array's channel count changes (NAM: allowed[⌊ratio·n⌋] steps at i/n)."""
        steps = {
            i / len(a.slimmable_channels)
            for a in self.full_config.layer_arrays
            if a.slimmable_channels
            for i in range(1, len(a.slimmable_channels))
        }
        return tuple(sorted(steps))

    def set_slim(self, value: float) -> None:
        if not self.full_config.slimmable:
            super().set_slim(value)
        if not 0.0 <= value <= 1.0:
            raise NamWebError(f"slim must be in [0, 1], got {value}")
        if self.full_config.slim_channels(value) != [a.channels for a in self.config.layer_arrays]:
            self._size(value)
            self.prewarm()

    # --- head ------------------------------------------------------------------------------------

    def _build_head(self, head_scale: float) -> None:
        """Fold skip sums, head 1×1s, 1×1 head re-channels and head_scale into products over Z.

        ``self.head_maps[a]``: when array a's head input must be materialised (head kernel > 1), the
        matrix giving it from Z (plus the previous head output); ``self.final_map``: the output
        (before the post-stack head) from Z, or None when the last array's head is a conv.
        """
        rows = [sum(arr.slot_rows) for arr in self.arrays]
        offsets = np.cumsum([0, *rows])
        total = int(offsets[-1])
        self.z_rows = total
        self.head_convs: list[_HeadConv | None] = []
        self.head_maps: list[np.ndarray | None] = []
        carried: np.ndarray | None = None  # previous head output as a map over Z (None: materialised)
        materialised_prev = False
        for ai, arr in enumerate(self.arrays):
            cfg = arr.config
            sum_map = np.zeros((cfg.skip_size, total))
            pos = int(offsets[ai])
            for layer, r in zip(arr.layers, arr.slot_rows, strict=True):
                sm = layer.skip_map()
                sum_map[:, pos : pos + r - 1] += sm[:, :-1]
                sum_map[:, pos + r - 1] += sm[:, -1]  # its ones row
                pos += r
            if carried is not None:
                sum_map += carried
            last = ai == len(self.arrays) - 1
            scale = head_scale if last and self.config.post_head is None else 1.0
            if cfg.head_kernel_size == 1 and not materialised_prev:
                carried = arr.head.weight[:, :, 0] @ sum_map
                if arr.head.bias is not None:
                    carried[:, int(offsets[ai]) + arr.slot_rows[0] - 1] += arr.head.bias  # a ones row of Z
                carried *= scale
                self.head_convs.append(None)
                self.head_maps.append(None)
            else:
                self.head_convs.append(_HeadConv(arr.head, cfg.head_dilation, scale))
                self.head_maps.append(_f32(sum_map))
                carried = None
                materialised_prev = True
        self.final_map = _f32(carried) if carried is not None else None

    # --- Model protocol ---------------------------------------------------------------------------

    @property
    def prewarm_samples(self) -> int:
        """NAM Core: the condition model's prewarm (or 1) + each array's look-back (+ post head's)."""
        base = self.condition_model.prewarm_samples if self.condition_model is not None else 1
        rf = sum(a.receptive_field for a in self.config.layer_arrays)
        if self.config.post_head:
            rf += sum(k - 1 for k in self.config.post_head.kernel_sizes)
        return base + rf

    def reset(self) -> None:
        for history in self._histories:
            history.reset()
        self._offset = 0
        if self.condition_model is not None:
            self.condition_model.reset()

    def process(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=F32).reshape(-1)
        out = np.empty(x.size, dtype=F32)
        for start in range(0, x.size, MAX_CHUNK):
            chunk = x[start : start + MAX_CHUNK]
            out[start : start + chunk.size] = self.process_channels(chunk)[0]
        return out

    def process_channels(self, x: np.ndarray) -> np.ndarray:
        """One chunk (≤ MAX_CHUNK samples) → all output channels, (out_channels, n) float32: a view
        of a buffer that the next call overwrites."""
        n = x.size
        width = -(-n // PAD) * PAD
        plan = self._plans.get(width)
        if plan is None:
            if len(self._plans) >= PLANS_CACHE:
                self._plans.clear()
            plan = self._plans[width] = self._make_plan(width)
        if self._offset + width > ROOM:
            for history in self._histories:
                history.wrap(self._offset)
            self._offset = 0
        ops = plan.ops.get(self._offset)
        if ops is None:
            if len(plan.ops) >= OPS_CACHE:  # irregular block sizes: offsets do not repeat
                plan.ops.clear()
            ops = plan.ops[self._offset] = self._ops(plan, self._offset)
        np.copyto(plan.input[0, :n], x)
        if self.condition_model is not None:
            np.copyto(plan.cond[:, :n], _channels(self.condition_model, x))
        with np.errstate(over="ignore"):
            for op in ops:
                op()
        self._offset += n
        return plan.output[:, :n]

    def _ops(self, plan: _Plan, offset: int) -> list[Callable[[], object]]:
        """The chunk at history ``offset`` as a list of calls without arguments on fixed buffers and
        views: about five NumPy calls per plain layer and no other Python work (inside Pyodide the
        Python around the calls used to cost a third of a 128-sample block)."""
        n = plan.n
        ops: list[Callable[[], object]] = []
        layer_input = plan.input
        for ai, arr in enumerate(self.arrays):
            cc = arr.config.condition_size
            stack = plan.stacks[ai]
            ops.append(partial(np.copyto, stack[:cc], plan.cond))
            inputs = [
                layer.history.window(offset, n) if x is None else x
                for layer, x in zip(arr.layers, plan.x_scratch[ai], strict=True)
            ]
            inputs.append(plan.carries[ai])
            ops.append(bound_product(arr.rechannel, layer_input, inputs[0]))
            for li, (layer, lean) in enumerate(zip(arr.layers, plan.lean[ai], strict=True)):
                if lean is None:
                    slot, scratch, x_next = plan.slots[ai][li], plan.scratch[ai], inputs[li + 1]
                    ops.append(partial(layer.run, inputs[li], stack, slot, scratch, x_next, n, offset))
                    continue
                taps_into, conv, activation, mix, residual = lean
                ops += [
                    partial(np.copyto, taps_into, layer.history.taps(offset, n)),
                    conv,
                    activation,
                    mix,
                    partial(np.add, inputs[li], residual, inputs[li + 1]),
                ]
            layer_input = plan.carries[ai]
            head_conv = self.head_convs[ai]
            if head_conv is not None:
                prev = plan.head_out[ai - 1] if ai > 0 and self.head_convs[ai - 1] is not None else None
                head_input = partial(self._head_input, ai, plan, prev)
                ops.append(partial(head_conv.run, head_input, plan.head_out[ai], n, offset))
        if self.final_map is not None:
            ops.append(bound_product(self.final_map, plan.z_all, plan.head))
        if self.post_convs:
            ops.append(partial(self._post_head, plan, offset))
        return ops

    def _head_input(self, ai: int, plan: _Plan, prev: np.ndarray | None, window: np.ndarray) -> None:
        """Array ``ai``'s head input (skip sum, re-channelled, plus the previous head) into ``window``."""
        product(self.head_maps[ai], plan.z_all, window)
        if prev is not None:
            window += prev

    def _post_head(self, plan: _Plan, offset: int) -> None:
        """The post-stack head: (activation, conv) pairs after ``head_scale``, into ``plan.output``."""
        n = plan.n
        work = plan.head * F32(self.head_scale)
        for conv in self.post_convs:
            self.post_activation(work)
            nxt = np.empty((conv.cout, n), dtype=F32)
            conv.run(partial(np.copyto, src=work), nxt, n, offset)
            work = nxt
        np.copyto(plan.output, work)

    @property
    def _histories(self) -> list[_History]:
        convs = [c for c in (*self.head_convs, *self.post_convs) if c is not None]
        return [layer.history for arr in self.arrays for layer in arr.layers] + [c.history for c in convs]

    def _make_plan(self, n: int) -> _Plan:
        z_all = np.zeros((self.z_rows, n), dtype=F32)
        stacks, slots, scratch, carries, head_out, x_scratch = [], [], [], [], [], []
        pos = 0
        for ai, arr in enumerate(self.arrays):
            a = arr.config
            stack = np.zeros((arr.stack_rows, n), dtype=F32)
            stack[a.condition_size] = 1.0
            stacks.append(stack)
            arr_slots = []
            for r in arr.slot_rows:
                slot = z_all[pos : pos + r]
                slot[-1] = 1.0
                arr_slots.append(slot)
                pos += r
            slots.append(arr_slots)
            widest = max(layer.conv_rows for layer in arr.layers)
            a_rows = max(layer.bottleneck for layer in arr.layers) + 1
            a_buf = np.zeros((a_rows, n), dtype=F32)
            a_buf[-1] = 1.0
            film_rows = max([2 * f.dim for layer in arr.layers for f in layer.films.values()] or [1])
            scratch.append(
                _Scratch(
                    np.zeros((widest, n), F32),
                    a_buf,
                    np.zeros((widest, n), F32),
                    np.zeros((a.condition_size, n), F32),
                    np.zeros((film_rows, n), F32),
                    np.zeros((a.channels, n), F32),
                )
            )
            carries.append(np.zeros((a.channels, n), dtype=F32))
            head_out.append(
                np.zeros((a.head_size, n), dtype=F32) if self.head_convs[ai] is not None else None
            )
            x_scratch.append(
                [
                    np.zeros((a.channels, n), F32) if "conv_pre_film" in layer.films else None
                    for layer in arr.layers
                ]
            )
        lean = [
            [
                _lean_views(layer, stacks[ai], slots[ai][li], scratch[ai], n) if layer.plain else None
                for li, layer in enumerate(arr.layers)
            ]
            for ai, arr in enumerate(self.arrays)
        ]
        inp = np.zeros((1, n), dtype=F32)
        cond_rows = self.arrays[0].config.condition_size
        cond = inp if self.condition_model is None else np.zeros((cond_rows, n), dtype=F32)
        if self.final_map is not None:
            head = np.zeros((self.final_map.shape[0], n), dtype=F32)
        else:
            head = head_out[-1]
        output = np.zeros((self.post_convs[-1].cout, n), dtype=F32) if self.post_convs else head
        return _Plan(
            n, inp, cond, stacks, z_all, slots, scratch, carries, head_out, x_scratch, lean, head, output, {}
        )


def _lean_views(layer: _Layer, stack: np.ndarray, slot: np.ndarray, scratch: _Scratch, n: int) -> tuple:
    rows = layer.cond + 1 + layer.kernel * layer.channels
    taps_into = stack[layer.cond + 1 : rows].reshape(layer.kernel, layer.channels, n)
    a, residual = slot[: layer.bottleneck], scratch.residual[: layer.channels]
    conv = bound_product(layer.w_in, stack[:rows], a)
    return taps_into, conv, layer.bind_activation(a), bound_product(layer.w_1x1, slot, residual), residual


def _channels(model: Model, x: np.ndarray) -> np.ndarray:
    """A nested model's output for one chunk as (channels, n)."""
    if isinstance(model, WaveNet):
        return model.process_channels(x)
    return model.process(x).reshape(1, -1)


register(WaveNetConfig, WaveNet)
