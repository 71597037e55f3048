// The player's worker: Pyodide + nam_web.player. It only moves buffers: it waits for input
// frames in the ring, copies them straight into the player's input array in WebAssembly memory,
// lets Python process them, and pushes the player's output array to the output ring. When it has
// fallen behind it hands Python the backlog in one call (one crossing instead of several), as far
// as the output ring can wait for it.
// Requests from the page ({id, method, args, payload}) are answered with {id, result|error}.
import { Ring, STAT } from './ring.js';
import { bootNamWeb } from './pyodide-boot.js';

const pending = [];
let handle = (msg) => pending.push(msg);
let mailbox = new Int32Array(1); // requests posted but not yet handled (shared with the page)
self.onmessage = (e) => { // set before any await, or early messages are lost
  if (e.data.mailbox) mailbox = new Int32Array(e.data.mailbox);
  else handle(e.data);
};

let pyodide = null;
let player = null;
let settleMemory = null; // nam_web.player.settle_memory: a garbage collection now, not on the audio clock
let audio = null; // {sampleRate, inRing, outRing, stats, block}
let io = null; // BlockIO, once audio first starts
const STALE_FRAMES = 2048; // input backlog (frames) dropped after a long request
const WARM_UP_MS = 1000; // processing on silence before the first start
const LOAD_PROBE_BLOCKS = 32; // blocks timed after warming up, for the first load reading
let warm = false;
const MAILBOX_POLL_MS = 5; // longest sleep before looking for requests when no audio arrives

function post(msg) { self.postMessage(msg); }

async function boot() {
  try {
    pyodide = await bootNamWeb((stage, text) => post({ type: 'progress', stage, text }));
    post({ type: 'progress', stage: 'engine', text: 'Starting the engine…' });
    const module = pyodide.pyimport('nam_web.player');
    player = module.Player(48000);
    settleMemory = module.settle_memory;
    post({ type: 'ready' });
  } catch (err) {
    const python = err.type ? `nam_web failed to start: ${pythonError(err)}. Reload; if it persists, report it with this message.` : null;
    post({ type: 'fatal', message: python || err.message });
    return;
  }
  handle = onRequest;
  for (const msg of pending.splice(0)) onRequest(msg);
}

/** The last line of a Python traceback ("NamFileError: broken.nam: …"), without the class name. */
function pythonError(err) {
  const last = String(err.message).trim().split('\n').pop();
  return last.replace(/^[A-Za-z_.]*(Error|Exception): /, '');
}

// --- requests from the page -------------------------------------------------------------
function onRequest(msg) {
  Atomics.sub(mailbox, 0, 1);
  if (audio) Atomics.store(audio.stats, STAT.BUSY, 1);
  try {
    const result = methods[msg.method](msg.args || {}, msg.payload);
    if (msg.id !== undefined) post({ id: msg.id, result });
  } catch (err) {
    if (msg.id !== undefined) post({ id: msg.id, error: err.type ? pythonError(err) : err.message });
  } finally {
    if (audio) {
      // A long request (loading, rendering) leaves stale input behind: skip it, keep latency low.
      const stale = audio.inRing.available() - audio.block;
      if (stale > STALE_FRAMES) {
        audio.inRing.skip(stale - (stale % audio.block));
        Atomics.add(audio.stats, STAT.SKIPPED, stale - (stale % audio.block));
      }
      Atomics.store(audio.stats, STAT.BUSY, 0);
    }
  }
}

function pyBytesToJs(proxy) {
  const buffer = proxy.getBuffer('u8');
  try { return buffer.data.slice(); } finally { buffer.release(); proxy.destroy(); }
}

/** Float32Array views of the player's block_in / block_out arrays (WebAssembly memory). Growing that
 * memory detaches views (their length becomes 0): they are then taken again. */
class BlockIO {
  constructor(py) {
    this.py = py;
    this.take();
  }

  take() {
    this.inBuf?.release();
    this.outBuf?.release();
    const view = (proxy) => { try { return proxy.getBuffer('f32'); } finally { proxy.destroy(); } };
    this.inBuf = view(this.py.block_in);
    this.outBuf = view(this.py.block_out);
  }

  get input() { if (this.inBuf.data.length === 0) this.take(); return this.inBuf.data; }

  get output() { if (this.outBuf.data.length === 0) this.take(); return this.outBuf.data; }
}

const methods = {
  start({ sampleRate, inSab, outSab, statsSab, block }) {
    player.set_sample_rate(sampleRate);
    audio = { sampleRate, inRing: new Ring(inSab), outRing: new Ring(outSab), stats: new Int32Array(statsSab), block };
    io = io || new BlockIO(player);
    // The first calls into NumPy code are slow (WebAssembly is compiled lazily and optimised once it
    // runs hot): warm up on silence now, not on the audio clock; then collect garbage, so no long
    // collection falls on the audio clock either.
    io.input.fill(0, 0, block);
    const until = performance.now() + (warm ? 0 : WARM_UP_MS);
    do player.process_block(block); while (performance.now() < until);
    warm = true;
    // The load this model needs at this block size, before the first sound (the median block: a
    // busy moment of the machine is not the model's): the worklet sizes the automatic safety buffer
    // from it.
    const times = [];
    for (let i = 0; i < LOAD_PROBE_BLOCKS; i++) {
      const t0 = performance.now();
      player.process_block(block);
      times.push(performance.now() - t0);
    }
    const median = times.sort((a, b) => a - b)[LOAD_PROBE_BLOCKS >> 1];
    Atomics.store(audio.stats, STAT.LOAD_PPM, Math.round(1e6 * median / (1000 * block / sampleRate)));
    settleMemory();
    runLoop(audio);
    return JSON.parse(player.describe());
  },
  setBlock({ block }) { audio.block = block; return block; },
  stop() { audio = null; return null; }, // the audio loop ends; models, settings and block views stay
  call({ name, kwargs }, payload) {
    // Generic call into nam_web.player.Player: kwargs is JSON-able, payload bytes (Uint8Array).
    const fn = player[name];
    const out = payload !== undefined ? fn.callKwargs(payload, kwargs || {}) : fn.callKwargs(kwargs || {});
    if (out && typeof out === 'object' && out.getBuffer) return pyBytesToJs(out);
    return typeof out === 'string' ? JSON.parse(out) : out;
  },
};

// --- the audio loop --------------------------------------------------------------------
const yielder = new MessageChannel();
function yieldToEvents() {
  return new Promise((resolve) => { yielder.port1.onmessage = resolve; yielder.port2.postMessage(0); });
}

async function runLoop(a) {
  const { inRing, outRing, stats } = a;
  let busy = 0;
  let audioFrames = 0;
  let worst = 0;
  let windowStart = performance.now();
  const process = player.process_block;
  await yieldToEvents(); // let the request that started us answer first: the loop below blocks
  while (audio === a) {
    if (Atomics.load(mailbox, 0) > 0) { // a request is waiting: let onmessage run
      await yieldToEvents();
      continue;
    }
    const block = a.block;
    const avail = inRing.available();
    if (avail < block) {
      // Sleep until the worklet writes (it notifies every render quantum); wake up now and then
      // to look at the mailbox. A blocking wait wakes faster than Atomics.waitAsync.
      Atomics.wait(inRing.index, 0, Atomics.load(inRing.index, 0), MAILBOX_POLL_MS);
      continue;
    }
    // The whole backlog in one call (fewer crossings into Python), in whole blocks; but while the
    // output ring runs low, at most half of what it still holds (at least a block), so that output
    // flows again before it runs dry: on a machine that is slow for a moment, one big catch-up call
    // can outlast the output it was meant to save.
    const most = Math.min(io.input.length, outRing.space(), Math.max(block, outRing.available() >> 1));
    const n = Math.min(avail - (avail % block), most - (most % block));
    if (n <= 0) { await yieldToEvents(); continue; }
    inRing.pop(io.input.subarray(0, n));
    const t0 = performance.now();
    process(n);
    const spent = performance.now() - t0;
    outRing.push(io.output.subarray(0, n));
    busy += spent;
    audioFrames += n;
    worst = Math.max(worst, spent / (1000 * n / a.sampleRate));
    Atomics.add(stats, STAT.WORKER_BLOCKS, n / block);
    Atomics.add(stats, STAT.PROCESSED, n);
    Atomics.add(stats, STAT.BUSY_US, Math.round(1000 * spent));
    const now = performance.now();
    if (now - windowStart > 500) {
      Atomics.store(stats, STAT.LOAD_PPM, Math.round(1e6 * busy / (1000 * audioFrames / a.sampleRate)));
      Atomics.store(stats, STAT.LOAD_MAX_PPM, Math.round(1e6 * worst));
      busy = 0; audioFrames = 0; worst = 0; windowStart = now;
    }
  }
}

boot();
