// Playwright: real Chromium (Debian's), the real nam-web server, a WAV file as the guitar.
import { defineConfig } from '@playwright/test';
import { CHROMIUM, FAKE_MIC, PORT } from './tests/browser/env.mjs';

export default defineConfig({
  testDir: 'tests/browser',
  testMatch: '*.spec.mjs',
  globalSetup: './tests/browser/global-setup.mjs',
  timeout: 60_000,
  workers: 1, // two cores: one browser at a time keeps the audio real-time
  fullyParallel: false,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    permissions: ['microphone'],
    acceptDownloads: true,
    viewport: { width: 1280, height: 1000 },
    launchOptions: {
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${FAKE_MIC}%noloop`, '--autoplay-policy=no-user-gesture-required'],
    },
  },
  webServer: {
    command: `.venv/bin/python -m server --port ${PORT}`,
    url: `http://127.0.0.1:${PORT}/api/config`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
  },
});
