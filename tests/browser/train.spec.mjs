// The capture wizard (train.html) in real Chromium against the real server: download the signal,
// upload a reamp, read the checks, train a tiny Nano with live progress, get the .nam and the null test.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { HAVE_CHROMIUM, PYTHON, ROOT } from './env.mjs';

/** A reamp of the quick capture signal through the tests' synthetic amp (see tests/train_support.py). */
function writeReamp() {
  const folder = mkdtempSync(join(tmpdir(), 'nam-web-train-'));
  execFileSync(PYTHON, ['-c', 'import sys, pathlib, train_support as t; t.write_quick_pair(pathlib.Path(sys.argv[1]))', folder],
    { cwd: ROOT, env: { ...process.env, PYTHONPATH: [join(ROOT, 'py'), join(ROOT, 'tests')].join(':') } });
  return { input: join(folder, 'input.wav'), output: join(folder, 'output.wav'), folder };
}

async function openWizard(page) {
  test.skip(!HAVE_CHROMIUM, 'Debian chromium is not installed (make install-browser)');
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/train.html');
  await expect(page.locator('#meta-gear-type option')).toHaveCount(8); // choices came from the API
  return errors;
}

test('capture wizard: signal, checks, training with live progress, result', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = await openWizard(page);
  await page.selectOption('#signal-variant', 'quick');
  const href = await page.locator('#download-signal').getAttribute('href');
  expect(href).toContain('variant=quick');
  const signal = await page.request.get(href);
  expect(signal.ok()).toBeTruthy();
  expect(signal.headers()['content-type']).toBe('audio/wav');

  const reamp = writeReamp();
  expect(Buffer.compare(await signal.body(), readFileSync(reamp.input))).toBe(0); // the same signal, bit for bit
  await page.setInputFiles('#output-file', reamp.output);
  await page.click('#check-button');
  await expect(page.locator('#checks li[data-check="latency"]')).toContainText('Latency from the blips: 36 samples');
  await expect(page.locator('#checks li[data-check="replicate"]')).toHaveAttribute('data-status', 'ok');
  await expect(page.locator('#checks li[data-status="error"]')).toHaveCount(0);
  await expect(page.locator('#step-model')).toBeVisible();

  await page.selectOption('#arch', 'nano');
  await page.fill('#epochs', '3');
  await page.fill('#meta-name', 'Wizard Amp');
  await page.selectOption('#meta-gear-type', 'amp');
  await page.fill('#meta-input-dbu', '10');
  await page.click('#start-form summary');
  await page.fill('#batch-size', '2');
  await page.fill('#segment', '2048');
  await page.fill('#steps-per-epoch', '3');
  await page.click('#start-button');

  await expect(page.locator('#step-train')).toBeVisible();
  await expect(page.locator('#progress-text')).toContainText(/epoch [123]\/3/, { timeout: 120_000 }); // live
  await expect(page.locator('#step-result')).toBeVisible({ timeout: 120_000 });
  await expect(page.locator('#job-state')).toHaveText('finished');
  await expect(page.locator('#progress-text')).toContainText('epoch 3/3');
  await expect(page.locator('#result-esr')).toContainText(/ESR \d\.\d{5}/);
  await expect(page.locator('#result-quality')).not.toBeEmpty();
  // the ESR curve was drawn: some amber pixels on the plot
  const drawn = await page.evaluate(() => {
    const c = document.getElementById('esr-plot');
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let amber = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] > 200 && data[i + 1] > 140 && data[i + 2] < 100) amber += 1;
    return amber;
  });
  expect(drawn).toBeGreaterThan(50);

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-model')]);
  expect(download.suggestedFilename()).toBe('Wizard Amp.nam');
  const saved = join(reamp.folder, 'model.nam');
  await download.saveAs(saved);
  const model = JSON.parse(readFileSync(saved, 'utf-8'));
  expect(model.version).toMatch(/^0\.5\./);
  expect(model.metadata.name).toBe('Wizard Amp');
  expect(model.metadata.input_level_dbu).toBe(10);
  expect(model.metadata.training.validation_esr).toBeGreaterThan(0);
  const residual = await page.locator('#residual-audio').getAttribute('src');
  expect((await page.request.get(residual)).headers()['content-type']).toBe('audio/wav');
  await expect(page.locator('#jobs li', { hasText: 'Wizard Amp' }).first()).toContainText('finished');
  expect(errors).toEqual([]);
});

test('capture wizard: a bad recording is refused with a plain message', async ({ page }) => {
  const errors = await openWizard(page);
  const folder = mkdtempSync(join(tmpdir(), 'nam-web-train-bad-'));
  writeFileSync(join(folder, 'amp.wav'), 'this is not audio');
  await page.selectOption('#signal-variant', 'quick');
  await page.setInputFiles('#output-file', join(folder, 'amp.wav'));
  await page.click('#check-button');
  await expect(page.locator('#upload-error')).toContainText('not a WAV file', { timeout: 30_000 });
  await expect(page.locator('#step-model')).toBeHidden();

  const reamp = writeReamp();
  const short = join(folder, 'short.wav');
  execFileSync(PYTHON, ['-c', 'import sys; from nam_web import wav; a = wav.read(sys.argv[1]); '
    + 'wav.write(sys.argv[2], a.mono()[:-96000], a.sample_rate)', reamp.output, short],
  { cwd: ROOT, env: { ...process.env, PYTHONPATH: join(ROOT, 'py') } });
  await page.setInputFiles('#output-file', short);
  await page.click('#check-button');
  await expect(page.locator('#upload-error')).toContainText('shorter than the input', { timeout: 30_000 });
  await expect(page.locator('#checks li[data-check="length"]')).toHaveAttribute('data-status', 'error');
  expect(errors).toEqual([]);
});
