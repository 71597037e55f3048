// Run bench/chain.py inside Pyodide under Node: the amp chain's realtime factor in the browser's Python.
//
//   node bench/pyodide_chain.mjs NAM_WEB_WHEEL [chain.py options, e.g. --block 128 --warmup 1.5]
//
// The current folder is mounted at /work inside Pyodide and is its working folder, so relative
// paths in the options (--model amp.nam, --render in.f32 out.f32) mean the same on both sides.
// Pyodide comes from node_modules/pyodide, NumPy from the local wheel folder
// ($NAM_WEB_PYODIDE_PACKAGES, default ~/.cache/nam-web/pyodide-packages), nam_web from the wheel
// built from py/ (pip wheel --no-deps -w DIR .), so it is the same package CPython runs.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const [wheel, ...args] = process.argv.slice(2);
if (!wheel) {
  console.error("usage: node bench/pyodide_chain.mjs NAM_WEB_WHEEL [chain.py options]");
  process.exit(2);
}
const packages = process.env.NAM_WEB_PYODIDE_PACKAGES
  || path.join(os.homedir(), ".cache", "nam-web", "pyodide-packages");

const { loadPyodide } = await import(path.join(root, "node_modules", "pyodide", "pyodide.mjs"));
const pyodide = await loadPyodide({ indexURL: path.join(root, "node_modules", "pyodide") + path.sep });
const numpyWheel = fs.readdirSync(packages).find((f) => f.startsWith("numpy-") && f.endsWith(".whl"));
await pyodide.loadPackage(path.join(packages, numpyWheel), { messageCallback: () => {} });
const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
pyodide.unpackArchive(new Uint8Array(fs.readFileSync(wheel)), "wheel", { extractDir: sitePackages });
pyodide.FS.mkdirTree("/bench");
for (const file of ["timing.py", "chain.py"]) {
  pyodide.FS.writeFile(`/bench/${file}`, fs.readFileSync(path.join(here, file)));
}
pyodide.FS.mkdirTree("/work");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: process.cwd() }, "/work");
pyodide.setStdout({ batched: (line) => console.log(line) });
pyodide.globals.set("bench_args", pyodide.toPy(args));
pyodide.runPython(`
import os, sys
os.chdir("/work")
sys.path.insert(0, "/bench")
import chain
chain.main(list(bench_args))
`);
