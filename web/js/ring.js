// Single-producer / single-consumer ring of float32 samples in a SharedArrayBuffer.
// Works the same in the page, the AudioWorklet scope and a worker: build it from its
// SharedArrayBuffer (`new Ring(sab)`) on each side. Indices are free-running int32 counters
// (wrap-around safe); the capacity is a power of two. Only the producer moves `write`, only the
// consumer moves `read`; the consumer may sleep on `write` with Atomics.wait/waitAsync.

/** Frames per Web Audio render quantum (one worklet callback). */
export const QUANTUM = 128;
export const WRITE = 0;
export const READ = 1;
const HEADER_BYTES = 16;

export class Ring {
  static create(capacity) {
    if (capacity & (capacity - 1)) throw new Error(`ring capacity ${capacity} is not a power of two`);
    return new Ring(new SharedArrayBuffer(HEADER_BYTES + capacity * 4));
  }

  constructor(sab) {
    this.sab = sab;
    this.index = new Int32Array(sab, 0, 4);
    this.data = new Float32Array(sab, HEADER_BYTES);
    this.capacity = this.data.length;
    this.mask = this.capacity - 1;
  }

  /** Frames ready to read. */
  available() {
    return (Atomics.load(this.index, WRITE) - Atomics.load(this.index, READ)) | 0;
  }

  /** Frames that can be written without overwriting unread ones. */
  space() {
    return this.capacity - this.available();
  }

  /** Producer: append `src` (all of it, or nothing and return false when it does not fit). */
  push(src) {
    const n = src.length;
    const w = Atomics.load(this.index, WRITE);
    if (this.capacity - ((w - Atomics.load(this.index, READ)) | 0) < n) return false;
    const start = w & this.mask;
    const first = Math.min(n, this.capacity - start);
    this.data.set(first === n ? src : src.subarray(0, first), start);
    if (first < n) this.data.set(src.subarray(first), 0);
    Atomics.store(this.index, WRITE, (w + n) | 0);
    Atomics.notify(this.index, WRITE);
    return true;
  }

  /** Consumer: fill `dst` with the oldest `dst.length` frames (caller checked `available()`). */
  pop(dst) {
    const n = dst.length;
    const r = Atomics.load(this.index, READ);
    const start = r & this.mask;
    const first = Math.min(n, this.capacity - start);
    dst.set(this.data.subarray(start, start + first));
    if (first < n) dst.set(this.data.subarray(0, n - first), first);
    Atomics.store(this.index, READ, (r + n) | 0);
  }

  /** Consumer: drop the oldest `n` unread frames (stale input, or output latency after a stall). */
  skip(n) {
    Atomics.store(this.index, READ, (Atomics.load(this.index, READ) + n) | 0);
  }
}

// Shared counters and readouts (Int32 slots; float readouts are stored ×1e6 or in Float32 view).
export const STAT = {
  UNDERRUNS: 0,     // worklet: times the output ring ran dry while playing
  OVERRUNS: 1,      // worklet: input blocks dropped because the worker fell behind
  PLAYING: 2,       // worklet: 1 while output is flowing, 0 while (re)filling
  FRAMES: 3,        // worklet: frames handled since start
  WORKER_BLOCKS: 4, // worker: blocks processed
  LOAD_PPM: 5,      // worker: processing time / audio time, ×1e6 (1e6 = 100 % of the real-time budget)
  LOAD_MAX_PPM: 6,  // worker: worst single call over the last window, ×1e6
  IN_PEAK_PPM: 7,   // worker: input peak since last read by the page, ×1e6 (page resets to 0)
  OUT_PEAK_PPM: 8,  // worker: output peak, ×1e6
  IN_CLIPS: 9,      // worker: input samples at or above 0 dBFS
  OUT_CLIPS: 10,    // worker: output samples at or above 0 dBFS
  FILL: 11,         // worklet: frames waiting in the output ring (last callback)
  TARGET: 12,       // worklet: output frames it buffers before playing
  BUSY: 13,         // worker: 1 while it runs a request (loading a model, an IR, a DI, rendering)
  LOAD_GAPS: 14,    // worklet: times the output ran dry while the worker was busy loading (not dropouts)
  POPPED: 15,       // worklet: frames taken from the output ring since start
  SKIPPED: 16,      // worker + worklet: frames dropped to keep latency down (stale input, output excess)
  BUSY_US: 17,      // worker: total processing time since start, microseconds
  PROCESSED: 18,    // worker: frames processed since start
  SIZE: 20,
};

export function createStats() {
  return new Int32Array(new SharedArrayBuffer(STAT.SIZE * 4));
}
