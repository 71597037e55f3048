// AudioWorklet side of the bridge: never blocks, never allocates in process().
// Each render quantum it pushes the chosen input channel into the input ring (waking the
// worker) and pulls the same number of processed frames from the output ring. It holds back
// output until `target` frames are waiting (block + safety margin) and the worker has caught up,
// so the latency is the target and no more; if the ring runs dry
// while playing it plays what is left with a fade-out, counts an underrun and refills. With an
// automatic safety margin (`maxTarget` above `target`) each underrun also makes the margin half as
// large again (in whole render quanta, up to `maxTarget`): the refill that follows the dropout
// anyway builds the new margin, so growing adds no second gap. While (re)filling, an automatic
// margin is also made as large as the worker's load calls for (see LOAD_FREE).
import { QUANTUM, Ring, STAT } from './ring.js';

const FADE_FRAMES = 64;
// Seconds of output held back (and dropped) at start-up, while the browser's own start-up work
// competes with the worker: its first half second is often two or three times slower.
const SETTLE_S = 1;
// The automatic safety margin also follows the worker's load (its share of the real-time budget).
// On a busy machine the worker is now and then left a half to a quarter of a core for 20-60 ms; a
// worker needing under a quarter of the budget keeps up even then, one needing more falls behind
// the faster the more it needs. So above LOAD_FREE the margin is FRAMES_PER_LOAD frames larger
// per unit of load (a Standard WaveNet at block 128 in Pyodide, load about 0.58: 256 -> 640 frames).
const LOAD_FREE = 1 / 4;
const FRAMES_PER_LOAD = 1024;

class NamBridge extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions;
    this.inRing = new Ring(o.inSab);
    this.outRing = new Ring(o.outSab);
    this.stats = new Int32Array(o.statsSab);
    this.setTarget(o);
    this.channel = o.channel; // 0 = left, 1 = right, -1 = mix
    this.playing = false;
    this.settling = Math.round(SETTLE_S * sampleRate); // frames
    this.fadeIn = 0;
    this.silence = new Float32Array(QUANTUM);
    this.mono = new Float32Array(QUANTUM);
    // {inSab, outSab} when the page records (tests, benchmark): every input frame, and every output
    // frame taken from the worker (before fades, without the silence played while refilling).
    const c = o.capture;
    this.capture = c ? { input: new Ring(c.inSab), output: new Ring(c.outSab) } : null;
    this.port.onmessage = (e) => this.onMessage(e.data);
  }

  /** Frames: `block` the worker's processing block, `target` = block + safety margin, `maxTarget` the
   * most the margin may grow to (above `target`: an automatic margin), `slack` frames allowed above
   * target before the excess is dropped. */
  setTarget({ block, target, maxTarget = target, slack }) {
    const margin = target - block;
    Object.assign(this, { block, target, maxTarget, slack, margin, grown: margin, auto: maxTarget > target });
    Atomics.store(this.stats, STAT.TARGET, target);
  }

  /** While (re)filling, with an automatic margin: the margin grown by dropouts, or what the worker's
   * load calls for if more (the load as measured over the last half second: at start-up the worker's
   * first reading, then the live one, so a slow first moment of the machine does not stick). */
  fitMargin() {
    const load = Atomics.load(this.stats, STAT.LOAD_PPM) / 1e6;
    const margin = Math.max(this.grown, this.margin + FRAMES_PER_LOAD * Math.max(0, load - LOAD_FREE));
    this.target = Math.min(this.maxTarget, this.block + QUANTUM * Math.ceil(margin / QUANTUM));
    Atomics.store(this.stats, STAT.TARGET, this.target);
  }

  /** After a dropout: a margin half as large again, in whole quanta (automatic margin only). */
  growMargin() {
    this.grown = QUANTUM * Math.ceil((1.5 * Math.max(this.target - this.block, QUANTUM)) / QUANTUM);
    this.fitMargin();
  }

  onMessage(msg) {
    if (msg.target !== undefined) {
      this.setTarget(msg);
      this.playing = false;
    }
    if (msg.channel !== undefined) this.channel = msg.channel;
  }

  /** Frames between the input ring and the output ring: not yet taken by the worker, or being processed
   * (this quantum's `n` input frames are pushed but not yet counted in FRAMES). */
  upstream(n, avail) {
    const s = this.stats;
    return Atomics.load(s, STAT.FRAMES) + n - Atomics.load(s, STAT.POPPED) - Atomics.load(s, STAT.SKIPPED) - avail;
  }

  /** Skip `n` output frames (counted, so latency measurements and captures stay aligned). */
  drop(n) {
    if (n <= 0) return;
    this.outRing.skip(n);
    Atomics.add(this.stats, STAT.SKIPPED, n);
  }

  pickInput(input, n) {
    if (!input || input.length === 0) return this.silence.subarray(0, n);
    if (this.channel >= 0) return input[Math.min(this.channel, input.length - 1)];
    const mono = this.mono.subarray(0, n);
    mono.set(input[0]);
    for (let c = 1; c < input.length; c++) {
      const ch = input[c];
      for (let i = 0; i < n; i++) mono[i] += ch[i];
    }
    const scale = 1 / input.length;
    for (let i = 0; i < n; i++) mono[i] *= scale;
    return mono;
  }

  process(inputs, outputs) {
    const out = outputs[0];
    const left = out[0];
    const n = left.length;
    if (this.silence.length < n) return true; // never happens with 128-frame quanta
    const src = this.pickInput(inputs[0], n);
    if (!this.inRing.push(src)) {
      Atomics.add(this.stats, STAT.OVERRUNS, 1);
      Atomics.add(this.stats, STAT.SKIPPED, n); // never comes back: not latency
    }

    let avail = this.outRing.available();
    if (this.playing && avail > this.target + this.slack) {
      this.drop(avail - this.target); // latency crept up after a stall: back to target
      avail = this.target;
    }
    Atomics.store(this.stats, STAT.FILL, avail);
    if (!this.playing && this.auto) this.fitMargin();
    if (!this.playing && avail >= this.target && this.upstream(n, avail) < this.block + n) {
      // Start from exactly `target` frames once the worker has caught up (less than a block waits
      // upstream): a burst from a worker catching up must not become latency.
      this.drop(avail - this.target);
      avail = this.target;
      if (this.settling > 0) {
        this.settling -= n; // just started: the worker keeps up for a while before output plays
      } else {
        this.playing = true;
        this.fadeIn = FADE_FRAMES;
        Atomics.store(this.stats, STAT.PLAYING, 1);
      }
    }
    if (this.playing) {
      if (avail >= n) {
        this.outRing.pop(left);
        Atomics.add(this.stats, STAT.POPPED, n);
        if (this.capture) this.capture.output.push(left);
        if (this.fadeIn > 0) {
          for (let i = 0; i < n && this.fadeIn > 0; i++, this.fadeIn--) left[i] *= 1 - this.fadeIn / FADE_FRAMES;
        }
      } else {
        // Late worker: play what is there fading to zero, then silence, and refill.
        const part = left.subarray(0, avail);
        this.outRing.pop(part);
        Atomics.add(this.stats, STAT.POPPED, avail);
        if (this.capture) this.capture.output.push(part);
        for (let i = 0; i < avail; i++) part[i] *= (avail - i) / avail;
        left.fill(0, avail);
        this.playing = false;
        Atomics.store(this.stats, STAT.PLAYING, 0);
        if (Atomics.load(this.stats, STAT.BUSY)) {
          Atomics.add(this.stats, STAT.LOAD_GAPS, 1);
        } else {
          Atomics.add(this.stats, STAT.UNDERRUNS, 1);
          if (this.auto) this.growMargin(); // refill to a larger target
        }
      }
    } else {
      left.fill(0);
    }
    for (let c = 1; c < out.length; c++) out[c].set(left);
    if (this.capture) this.capture.input.push(src);
    Atomics.add(this.stats, STAT.FRAMES, n);
    return true;
  }
}

registerProcessor('nam-bridge', NamBridge);
