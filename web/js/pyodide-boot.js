// Boot Pyodide + NumPy + nam_web inside a worker (shared by the player, trainer and inspector).
//
//   import { bootNamWeb } from '/js/pyodide-boot.js';
//   const pyodide = await bootNamWeb((stage, text) => postMessage({ type: 'progress', stage, text }));
//   const player = pyodide.pyimport('nam_web.player');
//
// Where Pyodide, NumPy and the nam_web wheel come from is decided by the server (/api/config):
// Pyodide is self-hosted from npm; NumPy and micropip come from a local package folder when the
// server has one, else from the official Pyodide CDN of the same version; micropip then installs
// the server's nam_web wheel. Each failure is thrown as an Error whose message says what failed
// and what to do.

export async function fetchConfig() {
  const response = await fetch('/api/config');
  if (!response.ok) throw new Error(`The nam-web server did not answer /api/config (HTTP ${response.status}). Is it running?`);
  return response.json();
}

export async function bootNamWeb(progress = () => {}, config = null) {
  if (!self.crossOriginIsolated) {
    throw new Error('This page is not cross-origin isolated, so SharedArrayBuffer is unavailable. '
      + 'Open it through the nam-web server (python -m server) at http://localhost, not from a file or another server.');
  }
  config = config || await fetchConfig();
  const { indexURL, version } = config.pyodide;
  progress('python', `Downloading Python (Pyodide ${version})…`);
  const { loadPyodide } = await import(new URL(`${indexURL}pyodide.mjs`, self.location.href).href);
  const options = { indexURL: new URL(indexURL, self.location.href).href };
  const pkgs = config.packages;
  options.packageBaseUrl = new URL(pkgs.baseURL, self.location.href).href;
  if (pkgs.lockFileURL) options.lockFileURL = new URL(pkgs.lockFileURL, self.location.href).href;
  let pyodide;
  try {
    pyodide = await loadPyodide(options);
  } catch (err) {
    throw new Error(`Python (Pyodide ${version}) failed to start: ${err.message}. Reload the page; check that npm install ran on the server.`);
  }

  const where = pkgs.source === 'local' ? `local folder ${pkgs.folder}` : pkgs.baseURL;
  progress('numpy', `Downloading NumPy (from ${where})…`);
  const errors = [];
  // One call, so they download in parallel. libopenblas is optional: when it loads, nam_web's
  // WaveNet runs its layer products through OpenBLAS sgemm (about 13 % faster than NumPy alone).
  const wanted = ['numpy', 'micropip'];
  if (pkgs.optional && pkgs.optional.includes('libopenblas')) wanted.push('libopenblas');
  await pyodide.loadPackage(wanted, { messageCallback: () => {}, errorCallback: (m) => errors.push(m) });
  const unreachable = `The Pyodide package CDN (${pkgs.baseURL}) is unreachable: connect to the internet, `
    + 'or set NAM_WEB_PYODIDE_PACKAGES to a local folder with the NumPy wheel and restart the server.';
  try {
    pyodide.runPython('import numpy');
  } catch {
    const hint = pkgs.source === 'local'
      ? `Check the folder ${pkgs.folder} (NAM_WEB_PYODIDE_PACKAGES) holds the NumPy wheel for Pyodide ${version}.`
      : unreachable;
    throw new Error(`NumPy could not be loaded. ${hint} ${errors.join(' ')}`.trim());
  }
  let micropip;
  try {
    micropip = pyodide.pyimport('micropip');
  } catch {
    const hint = pkgs.source === 'local'
      ? 'Reload the page; if that does not help, run `make install` on the server (it downloads micropip from PyPI) and restart it.'
      : unreachable;
    throw new Error(`micropip (which installs nam_web) could not be loaded from ${where}. ${hint} ${errors.join(' ')}`.trim());
  }

  progress('nam_web', 'Installing nam_web…');
  // deps=false: NumPy is already loaded, and micropip must never ask PyPI.
  try {
    await micropip.install.callKwargs(new URL(config.wheel, self.location.href).href, { deps: false });
  } catch (err) {
    const reason = String(err.message).trim().split('\n').pop();
    throw new Error(`The nam_web wheel (${config.wheel}) could not be installed: ${reason}. Restart the server, then reload the page.`);
  } finally {
    micropip.destroy();
  }
  pyodide.runPython('import nam_web');
  return pyodide;
}
