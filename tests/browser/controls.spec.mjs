// Controls reach the engine without clicks; block size sets the added latency.
import { test, expect } from '@playwright/test';
import { dropFiles, fixture, openPlayer, requirePlayer, stats } from './helpers.mjs';

test.beforeEach(async ({ request }) => { await requirePlayer(request); });

async function turn(page, control, value) {
  await page.locator(`input[data-control="${control}"]`).evaluate((el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

test('knobs and switches change the sound; mute silences, bypass passes the dry input', async ({ page }) => {
  await openPlayer(page);
  await dropFiles(page, [{ name: 'wavenet.nam', bytes: fixture('wavenet.nam') }]);
  await expect(page.locator('#slot-A-name')).not.toHaveText('no model');
  await page.evaluate(() => window.namWeb.startAudio({ block: 1024, margin: 512 }));
  await page.locator('#di-bundled').click();
  await expect(page.locator('#di-name')).toHaveText('di_clip.wav');
  // The first start warms the engine up and settles before output plays: measure once sound flows.
  await expect.poll(async () => (await stats(page)).playing, { timeout: 15_000 }).toBe(1);

  await turn(page, 'input_db', -6);
  await turn(page, 'treble', 7.5);
  await turn(page, 'gate_threshold_db', -60);
  await expect(page.locator('.knob[data-control="input_db"] .knob-value')).toHaveText('-6.0 dB');
  await expect.poll(async () => (await page.evaluate(() => window.namWeb.engine.call('describe'))).controls)
    .toMatchObject({ input_db: -6, treble: 7.5, gate_threshold_db: -60 });

  // The page reads (and so resets) the meters ten times a second too: a reading can come right after
  // one of its own and hold no block. Take readings until one holds sound coming in.
  const heard = async () => {
    let reading;
    await expect.poll(async () => {
      reading = await page.evaluate(() => window.namWeb.engine.call('take_meters'));
      return reading.in_peak;
    }, { intervals: [50] }).toBeGreaterThan(0.001);
    return reading;
  };
  await page.locator('label:has(#mute)').click();
  await page.waitForTimeout(300); // the fade to silence, and a reading of what came before
  await heard();
  expect((await heard()).out_peak).toBe(0);
  await page.locator('label:has(#mute)').click();
  await page.locator('label:has(#bypass)').click();
  await expect.poll(async () => (await page.evaluate(() => window.namWeb.engine.call('describe'))).controls.bypass).toBe(true);
  await page.waitForTimeout(300);
  await heard();
  const bypassed = await heard();
  expect(bypassed.out_peak).toBeCloseTo(bypassed.in_peak, 5); // bypass plays the dry input
});

test('block size shows its latency and keeps playing when changed', async ({ page }) => {
  await openPlayer(page);
  await page.evaluate(() => window.namWeb.startAudio({ block: 128 }));
  for (const block of [512, 1024, 256]) {
    await page.locator('#block').selectOption(String(block));
    // The readout is what the worklet holds now: this block plus the safety buffer (which grows after dropouts).
    await expect.poll(() => page.evaluate((b) => {
      const a = window.namWeb.audio;
      const frames = a.target();
      return frames >= b + a.margin && document.querySelector('#block-ms').textContent === `+${(1000 * frames / a.context.sampleRate).toFixed(1)} ms`;
    }, block)).toBe(true);
    const framesBefore = (await stats(page)).frames;
    await page.waitForTimeout(400);
    await expect.poll(async () => (await stats(page)).playing).toBe(1);
    expect((await stats(page)).frames).toBeGreaterThan(framesBefore);
  }
  await expect(page.locator('#latency')).toHaveText(/\d+\.\d ms/);
  await expect(page.locator('#cpu')).toHaveText(/\d+ %/);
});
