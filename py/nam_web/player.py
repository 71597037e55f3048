"""The live player the browser worker drives: two model slots (A/B), the amp chain, meters, DI audition.

The worker only moves buffers: it copies whole blocks of input from the AudioWorklet into
:attr:`Player.block_in` (a view of WebAssembly memory on its side), calls :meth:`Player.process_block`
and copies the result out of :attr:`Player.block_out`, so no object is made per block at the boundary.
Everything audible happens here, in the same :class:`~nam_web.dsp.chain.Chain` that ``nam-web render``
uses. Each slot has its own chain (so each model keeps its own level normalisation); switching A/B,
bypass and mute are linear fades of :data:`FADE_SECONDS`, and every chain setting glides, so nothing
the player does clicks.

Calls from JavaScript pass bytes as ``Uint8Array`` (a JsProxy with ``to_bytes``) and get JSON strings
back; in CPython the same methods take ``bytes`` and return the same strings.
"""

from __future__ import annotations

import gc
import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from nam_web import models, namfile, wav
from nam_web.dsp.chain import Chain, ChainSettings
from nam_web.dsp.ir import ImpulseResponse
from nam_web.dsp.levels import ModelLevels
from nam_web.dsp.resample import resample
from nam_web.errors import NamWebError
from nam_web.models import describe
from nam_web.models.size_class import CUSTOM

FADE_SECONDS = 0.02
"""Time (s) an A/B switch, bypass or mute takes."""
SLOTS = ("A", "B")
PLAYER_SWITCHES = ("bypass", "mute")
"""Controls the player owns; every other control is a :class:`ChainSettings` field."""
RENDER_CHUNK = 4096
"""Samples per call when rendering a DI offline."""
MAX_BLOCK = 8192
"""Most samples the worker hands over in one :meth:`Player.process_block` call (a backlog after a stall)."""


def _as_bytes(data: Any) -> bytes:
    """bytes from bytes/bytearray/memoryview or a Pyodide JsProxy of a Uint8Array/ArrayBuffer."""
    to_bytes = getattr(data, "to_bytes", None)
    return to_bytes() if to_bytes else bytes(data)


class Fade:
    """A 0…1 gain that moves linearly to its target in ``FADE_SECONDS`` (crossfades, bypass, mute)."""

    def __init__(self, on: bool, sample_rate: float) -> None:
        self.value = self.target = 1.0 if on else 0.0
        self.step = 1.0 / max(1.0, FADE_SECONDS * sample_rate)

    def set(self, on: bool) -> None:
        self.target = 1.0 if on else 0.0

    @property
    def silent(self) -> bool:
        return self.value == 0.0 and self.target == 0.0

    def next(self, n: int) -> float | np.ndarray:
        """The gain for the next ``n`` samples: the constant 0.0 or 1.0 when steady, else a float32 ramp."""
        if self.value == self.target:
            return 1.0 if self.value == 1.0 else 0.0
        direction = 1.0 if self.target > self.value else -1.0
        ramp = np.clip(self.value + direction * self.step * np.arange(1, n + 1), 0.0, 1.0)
        self.value = float(ramp[-1])
        return ramp.astype(np.float32)


@dataclass
class ModelInfo:
    """What the page shows about a model."""

    name: str
    architecture: str
    size_class: str
    sample_rate: float | None
    gear: str
    loudness_db: float | None
    weights: int
    receptive_field: int
    macs_per_sample: int


def describe_model(doc: namfile.NamDocument, name: str) -> ModelInfo:
    """Check ``doc`` and say what the library and the slots show about it."""
    facts = describe.facts(doc)
    meta = doc.metadata if isinstance(doc.metadata, dict) else {}
    gear = " ".join(str(meta[k]) for k in ("gear_make", "gear_model") if meta.get(k))
    size = facts.size_class if facts.size_class != CUSTOM else f"custom {doc.architecture}"
    return ModelInfo(
        name=str(meta.get("name") or name.removesuffix(".nam")), architecture=doc.architecture,
        size_class=size, sample_rate=doc.sample_rate,
        gear=gear or str(meta.get("gear_type") or ""), loudness_db=ModelLevels.from_metadata(meta).loudness,
        weights=facts.parameters, receptive_field=facts.receptive_field_samples,
        macs_per_sample=facts.macs_per_sample,
    )


def _scaled(x: np.ndarray, gain: float | np.ndarray) -> np.ndarray:
    """``x * gain``, skipping the multiply for a steady unity gain (it matters per block in Pyodide)."""
    return x * gain if isinstance(gain, np.ndarray) or gain != 1.0 else x


def settle_memory() -> None:
    """Collect garbage now and move every surviving object to the collector's permanent generation.

    Called after loading (a model, an IR, a DI) and by the browser worker before audio starts, never
    while audio flows. In Pyodide a full collection over the loaded interpreter takes 50–70 ms,
    twenty blocks at 128 samples; with the long-lived objects frozen, the collections Python starts
    by itself during playback only look at the objects made since, and take well under a millisecond.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _named(name: str, err: Exception) -> NamWebError:
    return NamWebError(f"{name}: {err}")


class Player:
    """Two model slots, the amp chain and meters at the audio context's sample rate (Hz)."""

    def __init__(self, sample_rate: float) -> None:
        self.settings = ChainSettings()
        self.bypass = False
        self.mute = False
        self.active = "A"
        self.docs: dict[str, namfile.NamDocument | None] = dict.fromkeys(SLOTS)
        self.infos: dict[str, ModelInfo | None] = dict.fromkeys(SLOTS)
        self.ir: tuple[bytes, str] | None = None
        self.di: np.ndarray | None = None
        self.di_pos = 0
        self.di_name = ""
        self.meters = {"in_peak": 0.0, "out_peak": 0.0, "in_clips": 0, "out_clips": 0}
        self.block_in = np.zeros(MAX_BLOCK, dtype=np.float32)
        self.block_out = np.zeros(MAX_BLOCK, dtype=np.float32)
        self.set_sample_rate(sample_rate)

    # --- set-up ---------------------------------------------------------------------------
    def set_sample_rate(self, sample_rate: float) -> str:
        """(Re)build everything for a new audio rate (Hz), keeping models, IR and settings."""
        self.sample_rate = float(sample_rate)
        self.chains = {slot: Chain(self.sample_rate, self.settings) for slot in SLOTS}
        for slot, doc in self.docs.items():
            if doc is not None:
                self._install(slot, doc)
        if self.ir is not None:
            self.load_ir(*self.ir)
        self.mix = {slot: Fade(slot == self.active, self.sample_rate) for slot in SLOTS}
        self.wet = Fade(not self.bypass, self.sample_rate)
        self.volume = Fade(not self.mute, self.sample_rate)
        return self.describe()

    def _install(self, slot: str, doc: namfile.NamDocument) -> None:
        engine = models.build(doc)
        engine.prewarm()
        levels = ModelLevels.from_metadata(doc.metadata)
        self.chains[slot].set_model(engine, levels, name=self.infos[slot].name)

    def describe(self) -> str:
        chain = self.chains[self.active]
        return json.dumps({
            "sample_rate": self.sample_rate, "active": self.active, "di": self.di_name or None,
            "controls": {**asdict(self.settings), "bypass": self.bypass, "mute": self.mute},
            "slots": {s: asdict(i) if i else None for s, i in self.infos.items()},
            "latency": chain.latency, "notes": chain.notes, "ir": self.ir[1] if self.ir else None,
        })

    def inspect_model(self, data: Any, name: str = "model.nam") -> str:
        """Check a .nam file and describe it without loading it (for the library)."""
        try:
            doc = namfile.loads(_as_bytes(data))
            info = describe_model(doc, name)
        except NamWebError as err:
            raise _named(name, err) from None
        return json.dumps(asdict(info))

    def load_model(self, data: Any, slot: str = "A", name: str = "model.nam") -> str:
        """Check and load a .nam file into ``slot``; on any problem the slot keeps its old model."""
        if slot not in SLOTS:
            raise NamWebError(f"unknown slot {slot!r} (use A or B)")
        try:
            doc = namfile.loads(_as_bytes(data))
            info = describe_model(doc, name)
        except NamWebError as err:
            raise _named(name, err) from None
        old = self.docs[slot], self.infos[slot]
        self.docs[slot], self.infos[slot] = doc, info
        try:
            self._install(slot, doc)
        except Exception as err:  # an engine that cannot run this file must not take the player down
            self.docs[slot], self.infos[slot] = old
            raise NamWebError(f"{name}: cannot be played ({type(err).__name__}: {err})") from None
        settle_memory()
        return json.dumps(asdict(info))

    def load_ir(self, data: Any, name: str = "IR.wav") -> str:
        """Load a cabinet IR (WAV bytes) into both slots' chains."""
        raw = _as_bytes(data)
        try:
            ir = ImpulseResponse.load(raw, self.sample_rate, name)
        except (NamWebError, ValueError) as err:
            raise _named(name, err) from None
        for chain in self.chains.values():
            chain.set_ir(ir)
        self.ir = (raw, name)
        settle_memory()
        return json.dumps({"name": name, "samples": int(ir.taps.size), "notes": ir.notes})

    def select(self, slot: str) -> str:
        """Crossfade to the model in ``slot`` (A/B switching)."""
        if slot not in SLOTS:
            raise NamWebError(f"unknown slot {slot!r} (use A or B)")
        self.active = slot
        for s in SLOTS:
            self.mix[s].set(s == slot)
        return self.describe()

    def set_controls(self, **changes: Any) -> str:
        """Change controls by name: any :class:`ChainSettings` field, ``bypass`` or ``mute``."""
        known = {f.name for f in fields(ChainSettings)}
        unknown = sorted(set(changes) - known - set(PLAYER_SWITCHES))
        if unknown:
            raise NamWebError(f"unknown control(s): {', '.join(unknown)}")
        chain_changes = {k: v for k, v in changes.items() if k in known}
        try:
            self.settings = replace(self.settings, **chain_changes)
        except ValueError as err:
            raise NamWebError(str(err)) from None
        for chain in self.chains.values():
            chain.update(self.settings)
        self.bypass = bool(changes.get("bypass", self.bypass))
        self.mute = bool(changes.get("mute", self.mute))
        self.wet.set(not self.bypass)
        self.volume.set(not self.mute)
        return self.describe()

    def set_di(self, data: Any = None, name: str = "DI.wav") -> str:
        """Loop a DI recording instead of the live input (no data: back to the live input)."""
        if data is None:
            self.di, self.di_name = None, ""
            return self.describe()
        try:
            self.di = self._at_audio_rate(wav.read(_as_bytes(data)))
        except NamWebError as err:
            raise _named(name, err) from None
        self.di_pos, self.di_name = 0, name
        settle_memory()
        return self.describe()

    def _at_audio_rate(self, audio: wav.Audio) -> np.ndarray:
        x = audio.mono()
        if audio.sample_rate != self.sample_rate:
            x = resample(x, audio.sample_rate, self.sample_rate)
        return np.ascontiguousarray(x, dtype=np.float32)

    # --- audio ----------------------------------------------------------------------------
    def _next_di(self, n: int) -> np.ndarray:
        assert self.di is not None
        idx = (self.di_pos + np.arange(n)) % self.di.size
        self.di_pos = int((self.di_pos + n) % self.di.size)
        return self.di[idx]

    def process(self, x: np.ndarray) -> np.ndarray:
        """One block of mono float32 input at the audio rate -> as many output samples."""
        n = x.size
        if self.di is not None:
            x = self._next_di(n)
        self._meter("in", x)
        y = None
        for slot in SLOTS:  # both chains run only while an A/B crossfade is under way
            mix = self.mix[slot]
            if not mix.silent:
                part = self.chains[slot].process(x)
                part = _scaled(part, mix.next(n))
                y = part if y is None else y + part
        if self.wet.value != 1.0 or self.wet.target != 1.0:
            wet = self.wet.next(n)
            y = y * wet + x * (1.0 - wet)
        y = np.asarray(_scaled(y, self.volume.next(n)), dtype=np.float32)
        self._meter("out", y)
        return y

    def process_block(self, n: int) -> None:
        """Worker glue: process the first ``n`` samples of :attr:`block_in` into :attr:`block_out`."""
        self.block_out[:n] = self.process(self.block_in[:n].copy())  # copy: block_in is refilled next call

    def _meter(self, which: str, x: np.ndarray) -> None:
        if x.size:
            peak = float(max(x.max(), -x.min()))
            self.meters[f"{which}_peak"] = max(self.meters[f"{which}_peak"], peak)
            if peak >= 1.0:
                self.meters[f"{which}_clips"] += int(np.count_nonzero(np.abs(x) >= 1.0))

    def take_meters(self) -> str:
        """Peaks (linear, 1.0 = 0 dBFS) and clipped-sample counts since the last call, as JSON."""
        current = json.dumps(self.meters)
        self.meters = dict.fromkeys(self.meters, 0)
        self.meters.update(in_peak=0.0, out_peak=0.0)
        return current

    def render(self, data: Any = None, name: str = "DI.wav") -> bytes:
        """Offline: a DI (given, else the one auditioning) through the active slot's chain, fresh
        state, current settings; a float32 WAV at the audio rate. The live sound is untouched."""
        try:
            source = self.di if data is None else self._at_audio_rate(wav.read(_as_bytes(data)))
        except NamWebError as err:
            raise _named(name, err) from None
        if source is None:
            raise NamWebError("no DI loaded: load a DI WAV (or the bundled clip) first")
        twin = Player(self.sample_rate)
        twin.docs, twin.infos, twin.ir = dict(self.docs), dict(self.infos), self.ir
        twin.active, twin.bypass = self.active, self.bypass
        twin.set_sample_rate(self.sample_rate)
        twin.set_controls(**asdict(self.settings))
        out = [twin.process(source[i:i + RENDER_CHUNK]) for i in range(0, source.size, RENDER_CHUNK)]
        return wav.encode(np.concatenate(out) if out else source, int(self.sample_rate))
