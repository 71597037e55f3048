"""WAV reading and writing with NumPy only (works in Pyodide, no soundfile needed).

Reads PCM 8/16/24/32-bit integer and IEEE float 32/64-bit, plain or WAVE_FORMAT_EXTENSIBLE,
any channel count. Samples come back as float32 in [-1, 1) for integer formats
(int24 is scaled by 2^-23, as NAM's loader does), floats as stored.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from nam_web.errors import WavError
from nam_web.files import read_limited

MAX_WAV_BYTES = 2 * 1024**3
PCM, IEEE_FLOAT, EXTENSIBLE = 1, 3, 0xFFFE


@dataclass
class Audio:
    """Decoded audio: ``samples`` is float32 of shape (frames, channels); ``sample_rate`` in Hz."""

    samples: np.ndarray
    sample_rate: int
    bits: int = 32
    is_float: bool = True

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])

    @property
    def frames(self) -> int:
        return int(self.samples.shape[0])

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate

    def mono(self) -> np.ndarray:
        """One channel: the only one, or the mean of all (float32)."""
        if self.channels == 1:
            return self.samples[:, 0]
        return self.samples.mean(axis=1, dtype=np.float32)

    def describe(self) -> str:
        kind = "float" if self.is_float else "int"
        return f"{self.sample_rate} Hz, {self.bits}-bit {kind}, {self.channels} ch, {self.seconds:.2f} s"


def _decode(data: bytes, fmt: int, bits: int, channels: int) -> np.ndarray:
    width = bits // 8
    usable = len(data) - len(data) % (width * channels)
    data = data[:usable]
    if fmt == IEEE_FLOAT:
        if bits not in (32, 64):
            raise WavError(f"{bits}-bit float WAV is not supported (32 or 64 only)")
        x = np.frombuffer(data, dtype="<f4" if bits == 32 else "<f8").astype(np.float32)
    elif fmt == PCM:
        if bits == 8:
            x = (np.frombuffer(data, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
        elif bits == 16:
            x = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
        elif bits == 24:
            b = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
            v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
            v = np.where(v >= 1 << 23, v - (1 << 24), v)
            x = v.astype(np.float32) / np.float32(1 << 23)
        elif bits == 32:
            x = (np.frombuffer(data, dtype="<i4").astype(np.float64) / 2147483648.0).astype(np.float32)
        else:
            raise WavError(f"{bits}-bit integer WAV is not supported (8, 16, 24 or 32)")
    else:
        raise WavError(f"WAV format code {fmt} is not supported (PCM or IEEE float only)")
    return x.reshape(-1, channels)


def read(source: str | Path | bytes | BinaryIO, *, max_bytes: int = MAX_WAV_BYTES) -> Audio:
    """Decode a WAV file (path, bytes or binary file object)."""
    if isinstance(source, str | Path):
        raw = read_limited(source, max_bytes, "WAV files", WavError)
    elif isinstance(source, bytes | bytearray | memoryview):
        raw = bytes(source)
    else:
        raw = source.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise WavError(f"WAV data is larger than {max_bytes / 2**20:.0f} MB")
    if len(raw) < 12 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise WavError("not a WAV file (no RIFF/WAVE header)")
    pos, fmt_chunk, data = 12, None, None
    while pos + 8 <= len(raw):
        cid, size = raw[pos:pos + 4], struct.unpack("<I", raw[pos + 4:pos + 8])[0]
        body = raw[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt_chunk = body
        elif cid == b"data":
            data = body
            if fmt_chunk is not None:
                break
        pos += 8 + size + (size & 1)
    if fmt_chunk is None or len(fmt_chunk) < 16:
        raise WavError("WAV file has no valid 'fmt ' chunk")
    if data is None:
        raise WavError("WAV file has no 'data' chunk")
    fmt, channels, rate, _, _, bits = struct.unpack("<HHIIHH", fmt_chunk[:16])
    if fmt == EXTENSIBLE:
        if len(fmt_chunk) < 26:
            raise WavError("WAVE_FORMAT_EXTENSIBLE header is truncated")
        fmt = struct.unpack("<H", fmt_chunk[24:26])[0]
    if channels < 1 or channels > 64:
        raise WavError(f"WAV file claims {channels} channels")
    if not 1000 <= rate <= 768000:
        raise WavError(f"WAV sample rate {rate} Hz is not a usable audio rate")
    if bits == 0 or bits % 8:
        raise WavError(f"WAV sample size of {bits} bits is not supported")
    samples = _decode(data, fmt, bits, channels)
    if samples.shape[0] == 0:
        raise WavError("WAV file holds no audio")
    if not np.isfinite(samples).all():
        raise WavError("WAV file holds non-finite samples (NaN or infinity)")
    return Audio(samples, int(rate), bits, fmt == IEEE_FLOAT)


def encode(samples: np.ndarray, sample_rate: int, *, bits: int = 32) -> bytes:
    """Encode audio as WAV bytes: 32-bit float (default) or 16/24-bit PCM (clipped to ±1).

    ``samples`` is (frames,) or (frames, channels).
    """
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    channels = x.shape[1]
    if bits == 32:
        fmt, payload = IEEE_FLOAT, x.astype("<f4").tobytes()
    elif bits in (16, 24):
        fmt = PCM
        scale = float(1 << (bits - 1))
        ints = np.clip(np.round(x.astype(np.float64) * scale), -scale, scale - 1).astype("<i4")
        if bits == 16:
            payload = ints.astype("<i2").tobytes()
        else:
            payload = ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    else:
        raise WavError(f"cannot write {bits}-bit WAV (16, 24 or 32 float)")
    block = channels * bits // 8
    rate = int(sample_rate)
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(payload), b"WAVE", b"fmt ", 16, fmt,
                         channels, rate, rate * block, block, bits, b"data", len(payload))
    return header + payload


def write(path: str | Path | BinaryIO, samples: np.ndarray, sample_rate: int, *, bits: int = 32) -> None:
    """Write a WAV file (see :func:`encode`)."""
    data = encode(samples, sample_rate, bits=bits)
    if isinstance(path, str | Path):
        Path(path).write_bytes(data)
    else:
        path.write(data)


__all__ = ["Audio", "encode", "read", "write"]
