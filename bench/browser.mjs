#!/usr/bin/env node
// Browser benchmark: the real page in headless Chromium plays a DI through a Standard WaveNet
// (wavenet_a1_standard.nam) and a Nano WaveNet at each block size, and prints the worker's CPU load
// (% of the real-time budget), dropouts and measured latency; then times @opendaw/nam-wasm (NAM Core
// compiled to wasm) on the same models in the same browser and prints our load ÷ theirs.
//
//   node bench/browser.mjs [--seconds 30] [--blocks 128,256,512,1024] [--margin auto|256|...]
//
// --margin: the safety buffer (frames): `auto` (the page's default: sized from the worker's load,
// grown after a dropout) or a fixed one.
//
// Needs .venv (make install), npm install, Debian chromium, and NumPy for Pyodide (a local package
// folder or the network).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from '@playwright/test';

const ROOT = resolve(import.meta.dirname, '..');
const MODELS = resolve(ROOT, '..', 'shared', 'fixtures', 'models');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const CHROMIUM = '/usr/bin/chromium';
const PORT = 8797;
const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean)
  .map((a) => a.trim().split(/\s+/)));
const SECONDS = Number(args.seconds || 30);
const BLOCKS = (args.blocks || '128,256,512,1024').split(',').map(Number);
const MARGIN = args.margin || 'auto';
const RATE = 48000;
const NAM_WASM = join(ROOT, 'node_modules', '@opendaw', 'nam-wasm', 'dist');

// A Nano WaveNet (NAM's smallest standard size: 4 and 2 channels) with the Standard one's layout.
const MAKE_NANO = `
import json, sys, numpy as np
from nam_web.models import ARCHITECTURES
doc = json.load(open(sys.argv[1]))
first, second = doc["config"]["layers"]
first.update(channels=4, head_size=2)
second.update(input_size=4, channels=2)
config = ARCHITECTURES["WaveNet"].config_type.from_json(doc["config"])
doc["weights"] = (np.random.default_rng(0).standard_normal(config.num_weights()) * 0.2).tolist()
doc["metadata"] = {"name": "Nano (random weights)"}
doc["sample_rate"] = 48000
json.dump(doc, open(sys.argv[2], "w"))
`;

function pythonRun(script, ...argv) {
  return execFileSync(PYTHON, ['-c', script, ...argv], { cwd: ROOT, env: { ...process.env, PYTHONPATH: join(ROOT, 'py') } });
}

async function startServer() {
  const server = spawn(PYTHON, ['-m', 'server', '--port', String(PORT)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  for (let i = 0; i < 120; i++) {
    try { if ((await fetch(`http://127.0.0.1:${PORT}/api/config`)).ok) return server; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  server.kill();
  throw new Error('the nam-web server did not start');
}

// --- ours: the live page ---------------------------------------------------------------------
async function measureOurs(page, modelName, bytes, block) {
  await page.evaluate(({ data, name }) => window.namWeb.engine.call('load_model', { slot: 'A', name },
    new Uint8Array(data)), { data: [...bytes], name: modelName });
  await page.evaluate(({ b, m }) => window.namWeb.startAudio({ block: b, sampleRate: 48000, latencyHint: 0,
    ...(m === 'auto' ? {} : { margin: Number(m) }) }), { b: block, m: MARGIN });
  await page.waitForTimeout(2000);
  const read = () => page.evaluate(() => {
    const a = window.namWeb.audio;
    return { busy: a.stat('BUSY_US'), processed: a.stat('PROCESSED'), underruns: a.stat('UNDERRUNS'),
      inFlight: a.framesInFlight(), playing: a.stat('PLAYING'), target: a.stat('TARGET'), base: a.context.baseLatency, out: a.context.outputLatency };
  });
  const start = await read();
  const inFlight = [];
  for (let t = 0; t < SECONDS; t++) {
    await page.waitForTimeout(1000);
    const s = await read();
    if (s.playing) inFlight.push(s.inFlight);
  }
  const end = await read();
  await page.evaluate(() => window.namWeb.stopAudio());
  inFlight.sort((x, y) => x - y);
  const median = inFlight.length ? inFlight[Math.floor(inFlight.length / 2)] : NaN;
  return {
    load: (end.busy - start.busy) / 1e6 / ((end.processed - start.processed) / RATE),
    underruns: end.underruns - start.underruns,
    latencyMs: 1000 * (start.base + start.out + median / RATE),
    bridgeMs: 1000 * median / RATE,
    margins: [start.target - block, end.target - block],
  };
}

// --- theirs: @opendaw/nam-wasm in a worker of the same browser ------------------------------------
const NAM_WASM_WORKER = `
import { createNamModule, NamWasmModule } from '/bench/nam-wasm/index.js';
onmessage = async ({ data: { json, blocks, seconds, rate } }) => {
  const nam = NamWasmModule.fromModule(await createNamModule(), 4096);
  nam.setSampleRate(rate);
  nam.setMaxBufferSize(4096); // else blocks over 128 write past its buffers
  const id = nam.createInstance();
  if (!nam.loadModel(id, json)) { postMessage({ error: 'nam-wasm could not load the model' }); return; }
  const results = {};
  const total = seconds * rate;
  const input = new Float32Array(4096).map((_, i) => 0.2 * Math.sin(i * 0.05) + 0.01 * Math.random());
  for (const block of blocks) {
    const x = input.subarray(0, block);
    const y = new Float32Array(block);
    for (let i = 0; i < rate; i += block) nam.process(id, x, y); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < total; i += block) nam.process(id, x, y);
    results[block] = (performance.now() - t0) / 1000 / seconds;
  }
  postMessage({ results });
};`;

async function measureNamWasm(page, json) {
  return page.evaluate(async ({ json, blocks, seconds, rate }) => {
    const worker = new Worker('/bench/nam-wasm/bench-worker.js', { type: 'module' });
    return new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => { worker.terminate(); data.error ? reject(new Error(data.error)) : resolve(data.results); };
      worker.onerror = (e) => reject(new Error(e.message || 'nam-wasm worker failed'));
      worker.postMessage({ json, blocks, seconds, rate });
    });
  }, { json, blocks: BLOCKS, seconds: Math.min(SECONDS, 10), rate: RATE });
}

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), 'nam-web-bench-'));
  const nano = join(tmp, 'nano.nam');
  pythonRun(MAKE_NANO, join(MODELS, 'wavenet_a1_standard.nam'), nano);
  const models = [['wavenet_a1_standard.nam (Standard)', join(MODELS, 'wavenet_a1_standard.nam')], ['Nano WaveNet', nano]];
  const server = await startServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox',
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'] });
  try {
    const context = await browser.newContext({ permissions: ['microphone'] });
    await context.route('**/bench/nam-wasm/**', (route) => {
      const name = new URL(route.request().url()).pathname.split('/').pop();
      const headers = { 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin',
        'Content-Type': name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' };
      route.fulfill({ status: 200, headers, body: name === 'bench-worker.js' ? NAM_WASM_WORKER : readFileSync(join(NAM_WASM, name)) });
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`http://127.0.0.1:${PORT}/`);
    await page.evaluate(() => window.namWeb.ready);
    await page.locator('#di-bundled').click();
    await page.locator('#di-name', { hasText: 'di_clip.wav' }).waitFor();
    console.log(`nam-web browser benchmark: ${SECONDS} s of the bundled DI per run, 48 kHz, latencyHint 0, safety buffer ${MARGIN}`);
    console.log('load = worker processing time / audio time (100 % = the whole real-time budget)\n');
    console.log('model                               block  load   dropouts  safety buffer  latency (bridge)   nam-wasm load  ours/nam-wasm');
    for (const [label, path] of models) {
      const bytes = readFileSync(path);
      let theirs = {};
      try { theirs = await measureNamWasm(page, bytes.toString()); } catch (err) { console.error(`nam-wasm: ${err.message}`); }
      for (const block of BLOCKS) {
        const r = await measureOurs(page, label, bytes, block);
        const t = theirs[block];
        console.log(`${label.padEnd(35)} ${String(block).padStart(5)}  ${(100 * r.load).toFixed(0).padStart(4)} %  ${String(r.underruns).padStart(8)}  ${r.margins.join('→').padStart(13)}  `
          + `${r.latencyMs.toFixed(1).padStart(6)} ms (${r.bridgeMs.toFixed(1)} ms)   ${t ? `${(100 * t).toFixed(1).padStart(10)} %` : '         n/a'}  `
          + `${t ? `${(r.load / t).toFixed(1).padStart(10)}x` : ''}`);
        if (r.load > 0.9) console.log(`${''.padEnd(42)}-> too heavy for block ${block}${block < 1024 ? `: use ${block * 2} or larger` : ''}`);
      }
    }
  } finally {
    await browser.close();
    server.kill();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
