// Page side of the player worker: boot progress, and promise-based calls into nam_web.player.
export class Engine {
  constructor({ onProgress, onReady, onFatal }) {
    this.worker = new Worker('/js/engine-worker.js', { type: 'module' });
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
      this.worker.postMessage({ id, method, args, payload }, transfer);
    });
  }

  /** Call nam_web.player.Player.<name>(payload?, **kwargs). */
  call(name, kwargs = {}, payload = undefined) {
    return this.request('call', { name, kwargs }, payload);
  }
}
