// DI audition: loop the bundled clip through the chain and download the render as a WAV.
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { dropFiles, fixture, openPlayer, requirePlayer } from './helpers.mjs';

test('renders the bundled DI through the loaded model and downloads a WAV', async ({ page, request }) => {
  await requirePlayer(request);
  await openPlayer(page);
  await dropFiles(page, [{ name: 'wavenet.nam', bytes: fixture('wavenet.nam') }]);
  await expect(page.locator('#slot-A-name')).not.toHaveText('no model');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#render').click()]);
  expect(download.suggestedFilename()).toMatch(/di_clip\.wav$/);
  const bytes = readFileSync(await download.path());
  expect(bytes.subarray(0, 4).toString()).toBe('RIFF');
  expect(bytes.subarray(8, 12).toString()).toBe('WAVE');
  expect(bytes.length).toBeGreaterThan(48000 * 4 * 7); // ≈ 8 s of 48 kHz float32
  await expect(page.locator('#messages li.ok').first()).toContainText('Rendered');
});
