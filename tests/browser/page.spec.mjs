// The page loads cross-origin isolated, boots Python with visible progress, and explains failures.
import { test, expect } from '@playwright/test';
import { HAVE_CHROMIUM } from './env.mjs';
import { openPlayer, requirePlayer } from './helpers.mjs';

test('every response is cross-origin isolated, with the right MIME types and gzip', async ({ request }) => {
  for (const [path, type] of [['/', 'text/html'], ['/js/engine-worker.js', 'text/javascript'],
    ['/js/worklet.js', 'text/javascript'], ['/pyodide/pyodide.mjs', 'text/javascript'],
    ['/pyodide/pyodide.asm.wasm', 'application/wasm'], ['/api/config', 'application/json']]) {
    const response = await request.get(path, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(response.status(), path).toBe(200);
    const headers = response.headers();
    expect(headers['content-type'], path).toContain(type);
    expect(headers['cross-origin-opener-policy'], path).toBe('same-origin');
    expect(headers['cross-origin-embedder-policy'], path).toBe('require-corp');
    expect(headers['cross-origin-resource-policy'], path).toBe('same-origin');
  }
  const wasm = await request.get('/pyodide/pyodide.asm.wasm', { headers: { 'Accept-Encoding': 'gzip' } });
  expect(wasm.headers()['content-encoding']).toBe('gzip');
  const missing = await request.get('/pyodide/../package.json');
  expect(missing.status()).toBe(404);
});

test('boots Python, NumPy and nam_web with progress, then is ready to play', async ({ page, request }) => {
  await requirePlayer(request);
  await page.goto('/');
  await expect(page.locator('#startup-steps li[data-step="python"]')).toBeVisible();
  const errors = await openPlayer(page);
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  await expect(page.locator('#startup')).toBeHidden();
  await expect(page.locator('#status-text')).toContainText('ready');
  await expect(page.locator('nav a[href="/train.html"]')).toBeVisible();
  expect(errors).toEqual([]);
});

test('says what failed and what to do when NumPy cannot be downloaded', async ({ page }) => {
  test.skip(!HAVE_CHROMIUM, 'Debian chromium is not installed (make install-browser)');
  await page.route(/\/pyodide-packages\/.*\.(whl|zip)$|cdn\.jsdelivr\.net/, (route) => route.abort());
  await page.goto('/');
  const box = page.locator('#startup-error');
  await expect(box).toBeVisible({ timeout: 30_000 });
  await expect(box).toContainText('NumPy could not be loaded');
  await expect(box).toContainText(/NAM_WEB_PYODIDE_PACKAGES|internet/);
  await expect(page.locator('#startup-steps li.failed')).toHaveAttribute('data-step', 'numpy');
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'error');
});

test('says what failed and what to do when micropip cannot be downloaded', async ({ page, request }) => {
  await requirePlayer(request);
  await page.route(/\/pyodide-packages\/micropip-.*\.whl$|cdn\.jsdelivr\.net\/.*micropip/, (route) => route.abort());
  await page.goto('/');
  const box = page.locator('#startup-error');
  await expect(box).toBeVisible({ timeout: 30_000 });
  await expect(box).toContainText('micropip (which installs nam_web) could not be loaded');
  await expect(box).toContainText(/make install|internet/);
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'error');
});
