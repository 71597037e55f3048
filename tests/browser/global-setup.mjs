// Writes the fake-microphone WAV before Chromium starts (see env.mjs).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FAKE_MIC, FIXTURES, PYTHON, ROOT } from './env.mjs';

export default function globalSetup() {
  mkdirSync(dirname(FAKE_MIC), { recursive: true });
  const script = `
import sys, numpy as np
from nam_web import wav
di = wav.read(sys.argv[1])
x = np.concatenate([di.mono(), np.zeros(di.sample_rate * 2, np.float32)])
wav.write(sys.argv[2], x, di.sample_rate, bits=32)
`;
  execFileSync(PYTHON, ['-c', script, join(FIXTURES, 'audio', 'di_jazzhop_guitar.wav'), FAKE_MIC],
    { cwd: ROOT, env: { ...process.env, PYTHONPATH: join(ROOT, 'py') }, stdio: 'inherit' });
}
