// The model library: .nam files kept in IndexedDB across reloads.
// Each record: {id, name, fileName, gear, sizeClass, sampleRate, architecture, bytes (ArrayBuffer), added}.
const DB_NAME = 'nam-web';
const STORE = 'models';

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function run(mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = fn(tx.objectStore(STORE));
    tx.oncomplete = () => { db.close(); resolve(req?.result); };
    tx.onerror = () => { db.close(); reject(tx.error); };
  });
}

export const library = {
  list: () => run('readonly', (s) => s.getAll()),
  get: (id) => run('readonly', (s) => s.get(id)),
  add: (record) => run('readwrite', (s) => s.add({ ...record, added: Date.now() })),
  remove: (id) => run('readwrite', (s) => s.delete(id)),
  async rename(id, name) {
    const record = await library.get(id);
    record.name = name;
    return run('readwrite', (s) => s.put(record));
  },
};
