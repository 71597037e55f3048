// Shared steps for the browser specs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { HAVE_CHROMIUM, MODELS } from './env.mjs';

/** Skip (with the reason) what cannot run here: no chromium, or no NumPy for Pyodide without a network. */
export async function requirePlayer(request) {
  test.skip(!HAVE_CHROMIUM, 'Debian chromium is not installed (make install-browser)');
  const config = await (await request.get('/api/config')).json();
  test.skip(config.packages.source !== 'local' && !process.env.NAM_WEB_TEST_CDN,
    'no local Pyodide NumPy folder (NAM_WEB_PYODIDE_PACKAGES / ~/.cache/nam-web/pyodide-packages); '
    + 'the page would need the Pyodide CDN (set NAM_WEB_TEST_CDN=1 to allow it)');
  return config;
}

export async function openPlayer(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await page.evaluate(() => window.namWeb.ready);
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'ready');
  return errors;
}

export function fixture(name) {
  return readFileSync(join(MODELS, name));
}

/** Drop files onto the drop zone as a guitarist's file manager would. */
export async function dropFiles(page, files) {
  const payload = files.map(({ name, bytes }) => ({ name, data: [...bytes] }));
  const dataTransfer = await page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const { name, data } of items) dt.items.add(new File([new Uint8Array(data)], name));
    return dt;
  }, payload);
  await page.dispatchEvent('#drop', 'drop', { dataTransfer });
}

/** Worklet/worker counters, via the page's test hook. */
export function stats(page) {
  return page.evaluate(() => {
    const a = window.namWeb.audio;
    return { frames: a.stat('FRAMES'), underruns: a.stat('UNDERRUNS'), overruns: a.stat('OVERRUNS'), loadGaps: a.stat('LOAD_GAPS'),
      load: a.stat('LOAD_PPM') / 1e6, loadMax: a.stat('LOAD_MAX_PPM') / 1e6, playing: a.stat('PLAYING'),
      target: a.stat('TARGET'), latencyMs: 1000 * a.latency().total };
  });
}

/** A mono 16-bit PCM WAV file's bytes. */
export function wavBytes(samples, rate = 48000) {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((v, i) => data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32767))), 2 * i));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0); header.writeUInt32LE(36 + data.length, 4); header.write('WAVE', 8);
  header.write('fmt ', 12); header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20); header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24); header.writeUInt32LE(rate * 2, 28); header.writeUInt16LE(2, 32); header.writeUInt16LE(16, 34);
  header.write('data', 36); header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
