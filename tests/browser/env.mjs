// Paths and switches shared by the Playwright config, its global setup and the specs.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const FIXTURES = resolve(ROOT, '..', 'shared', 'fixtures');
export const MODELS = join(FIXTURES, 'models');
export const PORT = Number(process.env.NAM_WEB_TEST_PORT || 8799);
export const CHROMIUM = ['/usr/bin/chromium', '/usr/lib/chromium/chromium'].find((p) => existsSync(p)) || '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** The fake microphone: the guitar DI as 48 kHz float32 (Chromium plays 24-bit WAVs as silence), ending in silence. */
export const FAKE_MIC = join(tmpdir(), 'nam-web-browser-tests', 'fake-mic.wav');
export const PYTHON = join(ROOT, '.venv', 'bin', 'python');
