// The inspector page: shows what a capture is (checked against nam_web in CPython), edits and
// saves metadata without touching the weights, and refuses broken or hostile files clearly.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { MODELS, PYTHON, ROOT } from './env.mjs';
import { requirePlayer } from './helpers.mjs';

/** Run a Python snippet with nam_web importable; its stdout parsed as JSON. */
function python(script, ...args) {
  const out = execFileSync(PYTHON, ['-c', script, ...args],
    { cwd: ROOT, env: { ...process.env, PYTHONPATH: join(ROOT, 'py') } });
  return JSON.parse(out.toString());
}

/** `nam-web info --json MODEL`: what the command line says about a model. */
function info(path) {
  return JSON.parse(execFileSync(join(ROOT, '.venv', 'bin', 'nam-web'), ['info', '--json', path]).toString());
}

async function openInspector(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/inspect.html');
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'ready', { timeout: 45_000 });
  return errors;
}

const cell = (page, table, key) => page.locator(`#${table} td[data-key="${key}"]`);

/** A number as the page shows it: integers in full, others to 4 significant digits; null as "–". */
const shownAs = (v) => (v === null || v === undefined ? '–' : typeof v !== 'number' || Number.isInteger(v) ? String(v) : v.toPrecision(4));

/** The overview's figures must read exactly as `nam-web info --json` reports them (to the digits shown). */
async function expectOverviewMatches(page, want) {
  for (const key of ['name', 'modeled_by', 'gear_make', 'gear_model', 'gear_type', 'tone_type']) {
    await expect(cell(page, 'overview-meta', key)).toHaveText(want.metadata[key] ?? '–');
  }
  for (const key of ['input_level_dbu', 'output_level_dbu', 'loudness', 'gain']) {
    await expect(cell(page, 'overview-meta', key)).toHaveText(shownAs(want.metadata[key]));
  }
  await expect(cell(page, 'overview-meta', 'version')).toHaveText(want.version);
  await expect(cell(page, 'overview-meta', 'sample_rate')).toHaveText(String(want.sample_rate ?? 'not stated (48000 assumed)'));
  for (const key of ['size_class', 'parameters', 'receptive_field_samples', 'receptive_field_ms', 'macs_per_sample']) {
    await expect(cell(page, 'overview-facts', key)).toHaveText(shownAs(want[key]));
  }
  for (const [key, value] of Object.entries(want.training || {})) {
    await expect(cell(page, 'overview-training', key)).toHaveText(Array.isArray(value) ? value.join(', ') || '–' : shownAs(value));
  }
}

test('shows a capture\'s metadata and engine figures as `nam-web info --json` reports them', async ({ page, request }) => {
  await requirePlayer(request);
  const errors = await openInspector(page);
  for (const name of ['wavenet_a1_standard.nam', 'wavenet.nam']) {
    await page.setInputFiles('#file-A', join(MODELS, name));
    await expect(cell(page, 'overview-meta', 'file')).toHaveText(name);
    await expectOverviewMatches(page, info(join(MODELS, name)));
  }
  const path = join(MODELS, 'lstm.nam');
  const want = info(path);
  await page.setInputFiles('#file-A', path);
  await expectOverviewMatches(page, want);
  await expect(cell(page, 'overview-meta', 'date')).toHaveText('2024-10-09 18:44:41');
  await expect(cell(page, 'overview-cpu', 'cpu-128')).toContainText('% of real time', { timeout: 30_000 });

  await page.click('button[data-view=weights]');
  const counts = await page.locator('#weights-table tbody tr td:nth-child(3)').allTextContents();
  expect(counts.map(Number).reduce((a, b) => a + b, 0)).toBe(want.parameters);
  await expect(page.locator('#weights-table svg.histogram')).toHaveCount(counts.length);

  await page.click('button[data-view=response]');
  await expect(page.locator('#plots svg.plot')).toHaveCount(4, { timeout: 30_000 });
  await expect(page.locator('#plots polyline[data-label="A -40 dBFS"]')).toHaveCount(1);

  await page.setInputFiles('#file-B', join(MODELS, 'identity_linear_10.nam'));
  await page.click('#tab-compare');
  await expect(page.locator('#compare-table tr.differs', { hasText: 'architecture' })).toContainText('LSTM');
  await page.click('button[data-view=response]');
  await expect(page.locator('#plots polyline[data-label="B -40 dBFS"]')).toHaveCount(1, { timeout: 30_000 });
  expect(errors).toEqual([]);
});

test('edits metadata with validation and undo, and saves a file with the same weights', async ({ page, request }) => {
  await requirePlayer(request);
  await openInspector(page);
  const original = join(MODELS, 'wavenet.nam');
  await page.setInputFiles('#file-A', original);
  await page.click('button[data-view=edit]');
  const form = page.locator('#edit-form');
  await form.locator('input[name=name]').fill('Microtubes, bright');
  await form.locator('input[name=name]').press('Tab');
  await form.locator('select[name=gear_type]').selectOption('pedal');
  await form.locator('input[name=input_level_dbu]').fill('95');
  await form.locator('input[name=input_level_dbu]').press('Tab');
  await expect(page.locator('#error-input_level_dbu')).toHaveText('95 dBu is outside -40..40 dBu');
  await form.locator('input[name=input_level_dbu]').fill('10.5');
  await form.locator('input[name=input_level_dbu]').press('Tab');
  await expect(page.locator('#error-input_level_dbu')).toHaveText('');
  await expect(page.locator('#changes tr')).toHaveCount(3);
  await page.click('#undo');
  await expect(page.locator('#changes tr')).toHaveCount(2);
  await expect(form.locator('input[name=input_level_dbu]')).toHaveValue('18.3');

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-file')]);
  const saved = await download.path();
  const check = python(`
import json, sys
import numpy as np
from nam_web import namfile
a, b = namfile.load(sys.argv[1]), namfile.load(sys.argv[2])
print(json.dumps({"same_weights": bool(np.array_equal(a.weights, b.weights)) and a.weights.tobytes() == b.weights.tobytes(),
                  "same_version": a.version == b.version, "same_config": a.config == b.config,
                  "metadata": b.metadata}))
`, original, saved);
  expect(check.same_weights).toBe(true);
  expect(check.same_version && check.same_config).toBe(true);
  expect(check.metadata.name).toBe('Microtubes, bright');
  expect(check.metadata.gear_type).toBe('pedal');
  expect(check.metadata.input_level_dbu).toBe(18.3);
  expect(JSON.parse(readFileSync(original)).metadata.name).toBe('Test Model');
});

test('refuses broken and hostile files with a clear message and stays responsive', async ({ page, request }) => {
  await requirePlayer(request);
  await openInspector(page);
  const lstm = JSON.parse(readFileSync(join(MODELS, 'lstm.nam')));
  const wavenet = JSON.parse(readFileSync(join(MODELS, 'wavenet.nam')));
  wavenet.config.layers[0].dilations = [1, 1e9];
  const cases = [
    ['not-json.nam', 'this is not json', 'not valid JSON'],
    ['string.nam', JSON.stringify({ ...lstm, config: { ...lstm.config, hidden_size: '3' } }),
      '$.config.hidden_size: expected an integer, got str'],
    ['nested.nam', '['.repeat(200_000), 'nested deeper than 64 levels'],
    ['dilation.nam', JSON.stringify(wavenet), '$.config.layers[0].dilations[1]: dilation must be an integer'],
    ['nan.nam', JSON.stringify(lstm).replace(/("weights": ?\[)/, '$1NaN, '), 'not finite'],
  ];
  for (const [name, text, message] of cases) {
    await page.setInputFiles('#file-A', { name, mimeType: 'application/json', buffer: Buffer.from(text) });
    await expect(page.locator('#error')).toContainText(message);
    await expect(page.locator('#error')).toContainText(name);
  }
  // 200 MB: refused from its size, before a byte is read; the page keeps answering.
  const dataTransfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File([new ArrayBuffer(200 * 2 ** 20)], 'huge.nam'));
    return dt;
  });
  const started = Date.now();
  await page.dispatchEvent('#drop-A', 'drop', { dataTransfer });
  await expect(page.locator('#error')).toContainText('huge.nam: file is 200.0 MB');
  expect(Date.now() - started).toBeLessThan(5_000);
  // A good file still opens afterwards.
  await page.setInputFiles('#file-A', join(MODELS, 'identity_linear_10.nam'));
  await expect(page.locator('#error')).toBeHidden();
  await expect(cell(page, 'overview-facts', 'parameters')).toHaveText('10');
});

test('opens models from the library and saves edits as a new library entry', async ({ page, request }) => {
  await requirePlayer(request);
  await openInspector(page);
  const original = readFileSync(join(MODELS, 'lstm.nam'));
  const id = await page.evaluate(async (data) => {
    const { library } = await import('/js/library.js');
    return library.add({ name: 'Darkglass LSTM', fileName: 'lstm.nam', bytes: new Uint8Array(data).buffer });
  }, [...original]);
  await page.goto(`/inspect.html?model=${id}`);
  await expect(cell(page, 'overview-meta', 'file')).toHaveText('lstm.nam', { timeout: 45_000 });
  await page.selectOption('#library-slot', 'B');
  await page.selectOption('#library', String(id));
  await expect(page.locator('#file-name-B')).toHaveText('lstm.nam');

  await page.click('button[data-view=edit]');
  await page.locator('#edit-form input[name=name]').fill('Darkglass, edited');
  await page.locator('#edit-form input[name=name]').press('Tab');
  await expect(page.locator('#changes tr')).toHaveCount(1);
  await page.click('#save-library');
  await expect(page.locator('#edit-status')).toContainText('Added');
  const records = await page.evaluate(async () => {
    const { library } = await import('/js/library.js');
    return (await library.list()).map((r) => ({ name: r.name, text: new TextDecoder().decode(r.bytes) }));
  });
  expect(records.map((r) => r.name)).toEqual(['Darkglass LSTM', 'Darkglass, edited']);
  expect(records[0].text).toBe(original.toString());
  const [before, after] = [JSON.parse(original), JSON.parse(records[1].text)];
  expect(after.metadata.name).toBe('Darkglass, edited');
  expect(after.weights).toEqual(before.weights);
  expect(after.weights.every((w, i) => Object.is(w, before.weights[i]))).toBe(true);
});

test('a big model is parsed in the worker while the page keeps answering', async ({ page, request }) => {
  await requirePlayer(request);
  await openInspector(page);
  await page.setInputFiles('#file-A', join(MODELS, 'identity_linear_10.nam'));
  await expect(cell(page, 'overview-facts', 'parameters')).toHaveText('10');
  // A 1,048,576-tap FIR (≈ 20 MB of JSON): slow to parse in Pyodide, far too heavy to time or measure.
  let seed = 1;
  const taps = Array.from({ length: 1 << 20 }, () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647 - 0.5; });
  const text = JSON.stringify({ version: '0.5.4', architecture: 'Linear', config: { receptive_field: 1 << 20, bias: false },
    weights: taps, sample_rate: 48000 });
  await page.setInputFiles('#file-A', { name: 'long-fir.nam', mimeType: 'application/json', buffer: Buffer.from(text) });
  await expect(page.locator('#busy')).toContainText('Reading long-fir.nam');
  for (const view of ['weights', 'edit', 'overview']) { // the main thread answers at once while Python works
    const started = Date.now();
    await page.click(`button[data-view=${view}]`, { timeout: 1_000 });
    await expect(page.locator(`#view-${view}`)).toBeVisible({ timeout: 1_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
  }
  await expect(cell(page, 'overview-facts', 'parameters')).toHaveText('1048576', { timeout: 50_000 });
  await expect(page.locator('#overview-cpu')).toContainText('far beyond real time', { timeout: 20_000 });
  await page.click('button[data-view=response]');
  await expect(page.locator('#response-status')).toContainText('billion multiply-adds');
});
