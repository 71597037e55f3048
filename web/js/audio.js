// The Web Audio graph: microphone/interface -> AudioWorklet bridge -> speakers, with the rings
// that connect the worklet to the engine worker.
import { QUANTUM, Ring, STAT, createStats } from './ring.js';

const RING_FRAMES = 1 << 15;
const CAPTURE_FRAMES = 1 << 23;

export class AudioIO {
  constructor(engine) {
    this.engine = engine;
    this.context = null;
    this.stats = createStats();
  }

  get running() { return this.context !== null; }

  /** Open the input device and start the bridge. `latencyHint` 0 asks for the smallest buffers.
   * `margin`: the safety buffer (frames) on top of the block; with `maxMargin` above it, the worklet
   * grows it after each dropout, up to `maxMargin` (the automatic safety buffer). */
  async start({ inputId = '', outputId = '', channel = 0, block = 128, margin = 256, maxMargin = margin,
    latencyHint = 0, sampleRate = undefined, capture = false }) {
    await this.stop();
    if (!navigator.mediaDevices?.getUserMedia) throw new Error('This browser cannot open audio inputs (no getUserMedia).');
    const context = new AudioContext({ latencyHint, sampleRate });
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: {
        deviceId: inputId ? { exact: inputId } : undefined,
        echoCancellation: false, noiseSuppression: false, autoGainControl: false,
        channelCount: { ideal: 2 }, sampleRate: context.sampleRate,
      } });
    } catch (err) {
      await context.close();
      if (err.name === 'NotAllowedError') throw new Error('Microphone permission was refused. Allow audio input for this site (the icon in the address bar) and press Start again.');
      if (err.name === 'NotFoundError' || err.name === 'OverconstrainedError') throw new Error('No audio input found. Plug in your interface, pick it under Input and press Start again.');
      throw new Error(`Could not open the audio input: ${err.message}`);
    }
    await context.audioWorklet.addModule('/js/worklet.js');
    this.inRing = Ring.create(RING_FRAMES);
    this.outRing = Ring.create(RING_FRAMES);
    this.stats.fill(0);
    this.block = block;
    this.margin = margin;
    this.maxMargin = maxMargin;
    const source = context.createMediaStreamSource(stream);
    this.captured = capture ? { input: Ring.create(CAPTURE_FRAMES), output: Ring.create(CAPTURE_FRAMES) } : null;
    // The worker first warms up (about a second, the first time): the worklet starts after it, so
    // it does not fill the input ring meanwhile.
    await this.engine.request('start', { sampleRate: context.sampleRate, inSab: this.inRing.sab,
      outSab: this.outRing.sab, statsSab: this.stats.buffer, block });
    const node = new AudioWorkletNode(context, 'nam-bridge', {
      numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [2],
      channelCount: 2, channelCountMode: 'explicit', channelInterpretation: 'discrete',
      processorOptions: { inSab: this.inRing.sab, outSab: this.outRing.sab, statsSab: this.stats.buffer,
        ...this.targets(), channel,
        capture: this.captured && { inSab: this.captured.input.sab, outSab: this.captured.output.sab } },
    });
    source.connect(node);
    node.connect(context.destination);
    if (outputId && context.setSinkId) await context.setSinkId(outputId);
    Object.assign(this, { context, stream, source, node });
    return context;
  }

  async stop() {
    if (!this.context) return;
    this.stream.getTracks().forEach((t) => t.stop());
    await this.context.close();
    this.context = null;
    await this.engine.request('stop');
  }

  /** The worklet's settings (frames): `target` queued before playing (one processing block plus the
   * safety buffer), how far it may grow, and the `slack` tolerated above it (the worker delivers whole
   * blocks) before trimming. */
  targets() {
    return { block: this.block, target: this.block + this.margin, maxTarget: this.block + Math.max(this.margin, this.maxMargin),
      slack: this.block + 2 * QUANTUM };
  }

  /** Frames the worklet queues now (block + safety buffer, grown after dropouts when automatic). */
  target() { return this.running ? this.stat('TARGET') : this.block + this.margin; }

  async setBlock(block, margin = this.margin, maxMargin = margin) {
    Object.assign(this, { block, margin, maxMargin });
    if (!this.context) return;
    await this.engine.request('setBlock', { block });
    this.node.port.postMessage(this.targets());
  }

  setChannel(channel) { this.node?.port.postMessage({ channel }); }

  async setOutput(deviceId) {
    if (this.context?.setSinkId) await this.context.setSinkId(deviceId);
  }

  /** Seconds: context base + output latency + ours (frames in flight through rings and worker when
   * playing, else the planned block + safety buffer). */
  latency() {
    if (!this.context) return null;
    const c = this.context;
    const frames = this.stat('PLAYING') ? this.framesInFlight() : this.target();
    const ours = frames / c.sampleRate;
    return { base: c.baseLatency || 0, output: c.outputLatency || 0, processing: ours,
      total: (c.baseLatency || 0) + (c.outputLatency || 0) + ours };
  }

  stat(name) { return Atomics.load(this.stats, STAT[name]); }

  /** Frames between a sample entering the worklet and leaving it (rings + worker), right now. */
  framesInFlight() {
    return this.stat('FRAMES') - this.stat('POPPED') - this.stat('SKIPPED');
  }

  /** Since start({capture: true}) (tests, benchmark): every input frame the worklet got, and every frame
   * it took from the worker (so output[i] is the chain's answer to input[i]). */
  takeCapture() {
    const { input, output } = this.captured;
    const a = new Float32Array(input.available());
    const b = new Float32Array(output.available());
    input.pop(a);
    output.pop(b);
    return { input: a, output: b, sampleRate: this.context.sampleRate };
  }
}

export async function listDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  return {
    inputs: devices.filter((d) => d.kind === 'audioinput'),
    outputs: devices.filter((d) => d.kind === 'audiooutput'),
    canPickOutput: typeof AudioContext.prototype.setSinkId === 'function',
  };
}
