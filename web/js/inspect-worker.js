// The inspector's worker: Pyodide + nam_web.inspect.session. Parsing, measuring and saving run
// here so the page stays responsive with big or hostile files.
// Requests {id, method, args: [...], bytes?, fileName?} are answered with {id, result|error}.
import { bootNamWeb } from './pyodide-boot.js';

const pending = [];
let handle = (msg) => pending.push(msg);
self.onmessage = (e) => handle(e.data); // before any await, or early messages are lost

let pyodide = null;
let session = null;

async function boot() {
  try {
    pyodide = await bootNamWeb((stage, text) => self.postMessage({ type: 'progress', stage, text }));
    session = pyodide.pyimport('nam_web.inspect.session').InspectorSession();
    self.postMessage({ type: 'ready', limits: JSON.parse(session.limits()) });
  } catch (err) {
    self.postMessage({ type: 'fatal', message: err.message });
    return;
  }
  handle = onRequest;
  for (const msg of pending.splice(0)) onRequest(msg);
}

function call(msg) {
  const [slot] = msg.args;
  if (msg.method === 'open') {
    // The file goes through Pyodide's file system, so nam_web reads it like any .nam on disk.
    const path = `/tmp/inspect-${slot}.nam`;
    pyodide.FS.writeFile(path, new Uint8Array(msg.bytes));
    try { return JSON.parse(session.open(slot, path, msg.fileName)); } finally { pyodide.FS.unlink(path); }
  }
  if (msg.method === 'save') {
    const proxy = session.save(slot);
    try { return proxy.toJs(); } finally { proxy.destroy(); }
  }
  return JSON.parse(session[msg.method](...msg.args));
}

function onRequest(msg) {
  try {
    self.postMessage({ id: msg.id, result: call(msg) });
  } catch (err) {
    const message = String(err.message).trim().split('\n').pop().replace(/^[A-Za-z]*Error: /, '');
    self.postMessage({ id: msg.id, error: message });
  }
}

boot();
