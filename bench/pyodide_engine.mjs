// Run nam_web's engines inside Pyodide under Node (and NAM Core's wasm build beside them).
//
//   node bench/pyodide_engine.mjs job.json
//
// Realtime factors are seconds of audio per CPU-second of this Node process (bench/timing.py).
// job.json: {"wheel": nam_web wheel, "packages": folder with the Pyodide NumPy wheel,
//            "task": "bench" | "render", ...}
//   bench:  "models": [.nam paths], "blocks": [sizes], "audio_seconds", "runs", "nam_wasm": true/false
//           prints one JSON line per (model, block): {"model","block","ours","theirs"}  (realtime factors)
//   render: "models": [.nam paths], "input": raw float32 file, "block", "outputs": [raw float32 paths]
//           each model is loaded (prewarmed) and the input processed in blocks; output written.
//
// Pyodide comes from node_modules/pyodide, NumPy from the local wheel folder, nam_web from the
// wheel built from py/ (unpacked into Pyodide's site-packages: the same package as CPython's).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

const { loadPyodide } = await import(path.join(root, "node_modules", "pyodide", "pyodide.mjs"));
const pyodide = await loadPyodide({ indexURL: path.join(root, "node_modules", "pyodide") + path.sep });
const numpyWheel = fs.readdirSync(job.packages).find((f) => f.startsWith("numpy-") && f.endsWith(".whl"));
await pyodide.loadPackage(path.join(job.packages, numpyWheel), { messageCallback: () => {} });
pyodide.unpackArchive(new Uint8Array(fs.readFileSync(job.wheel)), "wheel");
pyodide.FS.mkdirTree("/bench");
pyodide.FS.writeFile("/bench/timing.py", fs.readFileSync(path.join(here, "timing.py")));
pyodide.FS.mkdirTree("/models");

function putModel(file, i) {
  const target = `/models/${i}_${path.basename(file)}`;
  pyodide.FS.writeFile(target, fs.readFileSync(file));
  return target;
}

pyodide.runPython(`
import sys
sys.path.insert(0, "/bench")
import numpy as np
from nam_web.models import load
from timing import realtime_factor

def ours(model_path, block, audio_seconds, runs):
    model = load(model_path)
    return realtime_factor(model.process, block, audio_seconds=audio_seconds, runs=runs, warmup_seconds=1.0)

def render(model_path, input_path, output_path, block):
    model = load(model_path)
    x = np.fromfile(input_path, dtype=np.float32)
    y = np.concatenate([model.process(x[i:i + block]) for i in range(0, x.size, block)])
    y.astype(np.float32).tofile(output_path)
`);

async function namWasmFactor(modelText, block, audioSeconds, runs) {
  const { createNamModule, NamWasmModule } = await import(
    path.join(root, "node_modules", "@opendaw", "nam-wasm", "dist", "index.js"));
  const wasmBinary = fs.readFileSync(path.join(root, "node_modules", "@opendaw", "nam-wasm", "dist", "nam.wasm"));
  const module = await createNamModule({ wasmBinary });
  const nam = NamWasmModule.fromModule(module, block);
  nam.setSampleRate(48000);
  nam.setMaxBufferSize(block);
  const id = nam.createInstance();
  if (!nam.loadModel(id, modelText)) return null;
  const nBlocks = Math.max(1, Math.round((audioSeconds * 48000) / block));
  const input = new Float32Array(block).map(() => 0.1 * (Math.random() * 2 - 1));
  const output = new Float32Array(block);
  const cpuSeconds = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  };
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
}

if (job.task === "bench") {
  const ours = pyodide.globals.get("ours");
  for (const [i, file] of job.models.entries()) {
    const inPyodide = putModel(file, i);
    for (const block of job.blocks) {
      const result = { model: path.basename(file), block, ours: ours(inPyodide, block, job.audio_seconds, job.runs) };
      if (job.nam_wasm) {
        result.theirs = await namWasmFactor(fs.readFileSync(file, "utf8"), block, job.audio_seconds, job.runs);
      }
      console.log(JSON.stringify(result));
    }
  }
} else if (job.task === "render") {
  const render = pyodide.globals.get("render");
  pyodide.FS.writeFile("/input.f32", fs.readFileSync(job.input));
  for (const [i, file] of job.models.entries()) {
    render(putModel(file, i), "/input.f32", "/output.f32", job.block);
    fs.writeFileSync(job.outputs[i], pyodide.FS.readFile("/output.f32"));
  }
} else {
  throw new Error(`unknown task ${job.task}`);
}
