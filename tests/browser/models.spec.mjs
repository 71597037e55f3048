// Models and IRs: drag-and-drop, clear errors, the IndexedDB library, A/B switching.
import { test, expect } from '@playwright/test';
import { dropFiles, fixture, openPlayer, requirePlayer, stats, wavBytes } from './helpers.mjs';

test.beforeEach(async ({ request }) => { await requirePlayer(request); });

test('dropping a valid and a broken .nam: the valid one plays, the broken one is named and explained', async ({ page }) => {
  await openPlayer(page);
  await dropFiles(page, [{ name: 'lstm.nam', bytes: fixture('lstm.nam') }]);
  await expect(page.locator('#slot-A-name')).toHaveText('Test LSTM');
  await expect(page.locator('#slot-A-meta')).toContainText('48 kHz');

  const broken = Buffer.from(fixture('lstm.nam').toString().replace('"weights": [', '"weights": [1, 2, 3, '));
  await dropFiles(page, [{ name: 'broken.nam', bytes: broken }, { name: 'truncated.nam', bytes: fixture('lstm.nam').subarray(0, 500) }]);
  const messages = page.locator('#messages li.error');
  await expect(messages).toHaveCount(2);
  await expect(messages.filter({ hasText: 'broken.nam' })).toContainText('weights');
  await expect(messages.filter({ hasText: 'truncated.nam' })).toContainText('JSON');
  await expect(page.locator('#slot-A-name')).toHaveText('Test LSTM'); // the previous model keeps playing
  await expect(page.locator('#library tbody tr')).toHaveCount(1);
});

test('dropping cabinet IRs: a good one loads, a silent one is refused by name', async ({ page }) => {
  await openPlayer(page);
  const cab = Array.from({ length: 2048 }, (_, i) => Math.exp(-i / 200) * Math.cos(i * 0.3));
  await dropFiles(page, [{ name: 'cab.wav', bytes: wavBytes(cab, 44100) }, { name: 'silent.wav', bytes: wavBytes(new Array(512).fill(0)) }]);
  await expect(page.locator('#ir-name')).toHaveText('IR: cab.wav');
  await expect(page.locator('#messages li.error')).toContainText('silent.wav');
  await expect(page.locator('#messages li.error')).toContainText('silent');
  const described = await page.evaluate(() => window.namWeb.engine.call('describe'));
  expect(described.ir).toBe('cab.wav');
});

test('the model library survives a reload; rename and delete', async ({ page }) => {
  await openPlayer(page);
  await dropFiles(page, [{ name: 'wavenet.nam', bytes: fixture('wavenet.nam') }]);
  await expect(page.locator('#slot-A-name')).toHaveText('Test Model');
  await expect(page.locator('#messages li.ok')).toContainText('added to the library');
  await page.reload();
  await page.evaluate(() => window.namWeb.ready);
  const row = page.locator('#library tbody tr');
  await expect(row).toHaveCount(1);
  await expect(row.locator('td.name')).toHaveText('Test Model');
  await expect(page.locator('#slot-A-name')).not.toHaveText('no model'); // restored into its slot

  page.once('dialog', (dialog) => dialog.accept('My Plexi'));
  await row.locator('button[data-act="rename"]').click();
  await expect(row.locator('td.name')).toHaveText('My Plexi');
  await page.reload();
  await page.evaluate(() => window.namWeb.ready);
  await expect(page.locator('#library tbody tr td.name')).toHaveText('My Plexi');
  await page.locator('#library tbody tr button[data-act="delete"]').click();
  await expect(page.locator('#library tbody tr.empty')).toHaveCount(1);
});

test('A/B switching crossfades between two loaded models without dropouts', async ({ page }) => {
  await openPlayer(page);
  await dropFiles(page, [{ name: 'lstm.nam', bytes: fixture('lstm.nam') }]);
  await expect(page.locator('#slot-A-name')).toHaveText('Test LSTM');
  await page.locator('#slot-B').click();
  await dropFiles(page, [{ name: 'wavenet.nam', bytes: fixture('wavenet.nam') }]);
  await expect(page.locator('#slot-B-name')).not.toHaveText('no model');
  await page.evaluate(() => window.namWeb.startAudio({ block: 1024, margin: 512 }));
  await page.locator('#di-bundled').click();
  await expect(page.locator('#di-name')).toHaveText('di_clip.wav');
  // The first start warms the engine up and settles before output plays: switch once sound flows.
  await expect.poll(async () => (await stats(page)).playing, { timeout: 15_000 }).toBe(1);
  const before = await stats(page);
  for (const slot of ['A', 'B', 'A', 'B']) {
    await page.keyboard.press(slot.toLowerCase());
    await expect(page.locator(`#slot-${slot}`)).toHaveClass(/active/);
    await page.waitForTimeout(300);
    const described = await page.evaluate(() => window.namWeb.engine.call('describe'));
    expect(described.active).toBe(slot);
  }
  const after = await stats(page);
  // Switching never stalls the worker (dropouts from a busy shared CPU are the soak test's business).
  expect(after.loadGaps - before.loadGaps).toBe(0);
  expect(after.frames).toBeGreaterThan(before.frames);
  await expect.poll(async () => (await stats(page)).playing).toBe(1); // (a dropout refills for a moment)
  // (polled: the page's own meter readings reset the peaks ten times a second)
  await expect.poll(async () => (await page.evaluate(() => window.namWeb.engine.call('take_meters'))).out_peak,
    { intervals: [50] }).toBeGreaterThan(0.001);
  await page.waitForTimeout(300); // meters and readouts refresh
  await page.screenshot({ path: 'test-results/screenshots/playing.png', fullPage: true });
});
