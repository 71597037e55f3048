// Page side of the player worker: boot progress, and promise-based calls into nam_web.player.
export class Engine {
  constructor({ onProgress, onReady, onFatal }) {
    this.worker = new Worker('/js/engine-worker.js', { type: 'module' });
    // Requests waiting for the worker: its audio loop sleeps in Atomics.wait and only yields to its
    // event loop (to receive them) when this count is above zero.
    this.mailbox = new Int32Array(new SharedArrayBuffer(4));
    this.worker.postMessage({ mailbox: this.mailbox.buffer });
    this.nextId = 1;
    this.waiting = new Map();
    this.worker.onerror = (e) => onFatal(`The engine worker failed to start (${e.message || 'no details'}). `
      + 'Serve the page with the nam-web server so workers get the cross-origin headers.');
    this.worker.onmessage = ({ data }) => {
      if (data.type === 'progress') onProgress(data.stage, data.text);
      else if (data.type === 'ready') onReady();
      else if (data.type === 'fatal') onFatal(data.message);
      else if (this.waiting.has(data.id)) {
        const { resolve, reject } = this.waiting.get(data.id);
        this.waiting.delete(data.id);
        if (data.error !== undefined) reject(new Error(data.error)); else resolve(data.result);
      }
    };
  }

  request(method, args = {}, payload = undefined, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      Atomics.add(this.mailbox, 0, 1);
      this.worker.postMessage({ id, method, args, payload }, transfer);
    });
  }

  /** Call nam_web.player.Player.<name>(payload?, **kwargs). */
  call(name, kwargs = {}, payload = undefined) {
    return this.request('call', { name, kwargs }, payload);
  }
}
