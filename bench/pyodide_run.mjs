// Run a bench/ Python script inside Pyodide under Node, with NumPy and the nam_web wheel installed.
//
//   node bench/pyodide_run.mjs NAM_WEB_WHEEL SCRIPT.py [script options...]
//
// SCRIPT.py: a file name in bench/ or a path to any Python file.
// The one loader the benchmarks (bench/engine.py, bench/chain.py) and the Pyodide parity tests use:
// Pyodide from node_modules/pyodide, NumPy from the local wheel folder ($NAM_WEB_PYODIDE_PACKAGES,
// default ~/.cache/nam-web/pyodide-packages; with its pyodide-lock.json, also the libopenblas
// package that nam_web's WaveNet uses when present, unless NAM_WEB_NO_BLAS is set), nam_web from
// the wheel built from py/ (unpacked into site-packages: the same package CPython runs). Every bench/*.py is copied to /bench (on sys.path);
// the current folder is mounted at /work and is the working folder there, so relative paths in
// the options mean the same on both sides. The script runs as __main__ with sys.argv set; its exit
// status is this process's.
//
// When @opendaw/nam-wasm (NAM Core compiled to wasm) is installed, the script can time it in the
// same process: `from nam_core_wasm import realtime_factor` → realtime_factor(model_json_text,
// block, audio_seconds, runs) (audio seconds per CPU-second of this process; None if it refuses
// the model).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const [wheel, script, ...args] = process.argv.slice(2);
if (!wheel || !script) {
  console.error("usage: node bench/pyodide_run.mjs NAM_WEB_WHEEL SCRIPT.py [options]");
  process.exit(2);
}
const packages = process.env.NAM_WEB_PYODIDE_PACKAGES
  || path.join(os.homedir(), ".cache", "nam-web", "pyodide-packages");

const { loadPyodide } = await import(path.join(root, "node_modules", "pyodide", "pyodide.mjs"));
const indexURL = path.join(root, "node_modules", "pyodide") + path.sep;
const lockFile = path.join(packages, "pyodide-lock.json");
const quiet = { messageCallback: () => {} };
let pyodide;
if (fs.existsSync(lockFile)) {  // the folder is a package index: NumPy and, when listed, OpenBLAS
  pyodide = await loadPyodide({ indexURL, lockFileURL: lockFile, packageBaseUrl: packages + path.sep });
  const listed = JSON.parse(fs.readFileSync(lockFile, "utf8")).packages;
  const blas = listed.libopenblas && fs.existsSync(path.join(packages, listed.libopenblas.file_name));
  await pyodide.loadPackage(blas && !process.env.NAM_WEB_NO_BLAS ? ["numpy", "libopenblas"] : ["numpy"], quiet);
} else {
  pyodide = await loadPyodide({ indexURL });
  const numpyWheel = fs.readdirSync(packages).find((f) => f.startsWith("numpy-") && f.endsWith(".whl"));
  await pyodide.loadPackage(path.join(packages, numpyWheel), quiet);
}
const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
pyodide.unpackArchive(new Uint8Array(fs.readFileSync(wheel)), "wheel", { extractDir: sitePackages });
pyodide.FS.mkdirTree("/bench");
for (const file of fs.readdirSync(here).filter((f) => f.endsWith(".py"))) {
  pyodide.FS.writeFile(`/bench/${file}`, fs.readFileSync(path.join(here, file)));
}
if (fs.existsSync(script)) {  // a script outside bench/ (e.g. a one-off profile) joins them
  pyodide.FS.writeFile(`/bench/${path.basename(script)}`, fs.readFileSync(script));
}
pyodide.FS.mkdirTree("/work");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: process.cwd() }, "/work");
pyodide.setStdout({ batched: (line) => console.log(line) });
pyodide.setStderr({ batched: (line) => console.error(line) });
pyodide.registerJsModule("nam_core_wasm", { realtime_factor: await namCoreWasm() });

pyodide.globals.set("script_argv", pyodide.toPy([`/bench/${path.basename(script)}`, ...args]));
const status = pyodide.runPython(`
import os, runpy, sys
os.chdir("/work")
sys.path.insert(0, "/bench")
sys.argv = list(script_argv)
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
    status = 0
except SystemExit as exc:
    status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
status
`);
process.exitCode = status;

// NAM Core's wasm build timed like bench/timing.py (warm-up, then the median of several runs).
async function namCoreWasm() {
  const dist = path.join(root, "node_modules", "@opendaw", "nam-wasm", "dist");
  if (!fs.existsSync(path.join(dist, "index.js"))) return () => null;
  const { createNamModule, NamWasmModule } = await import(path.join(dist, "index.js"));
  const module = await createNamModule({ wasmBinary: fs.readFileSync(path.join(dist, "nam.wasm")) });
  const cpuSeconds = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  };
  return (modelText, block, audioSeconds, runs) => {
    const nam = NamWasmModule.fromModule(module, block);
    nam.setSampleRate(48000);
    nam.setMaxBufferSize(block);
    const id = nam.createInstance();
    if (!nam.loadModel(id, modelText)) return null;
    const nBlocks = Math.max(1, Math.round((audioSeconds * 48000) / block));
    const input = new Float32Array(block).map(() => 0.1 * (Math.random() * 2 - 1));
    const output = new Float32Array(block);
    const warmEnd = cpuSeconds() + 1.0;
    while (cpuSeconds() < warmEnd) nam.process(id, input, output);
    const factors = [];
    for (let r = 0; r < runs; r++) {
      const t0 = cpuSeconds();
      for (let j = 0; j < nBlocks; j++) nam.process(id, input, output);
      factors.push((nBlocks * block) / 48000 / Math.max(cpuSeconds() - t0, 1e-9));
    }
    nam.destroyInstance(id);
    factors.sort((a, b) => a - b);
    return factors[Math.floor(factors.length / 2)];
  };
}
