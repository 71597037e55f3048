// The inspector page: open .nam files (drop, file picker, library) into slots A and B, show what
// they are, their weights and sine responses, edit metadata and save a new file, compare A/B.
// Everything is computed by nam_web.inspect in the worker (inspect-worker.js).
import { library } from './library.js';
import { linePlot, histogram } from './inspect-plots.js';

const $ = (id) => document.getElementById(id);
const state = { limits: null, slots: {}, responses: {}, cpu: {}, shown: 'A' };

// --- the worker ---------------------------------------------------------------------------
const worker = new Worker('/js/inspect-worker.js', { type: 'module' });
const waiting = new Map();
let nextId = 1;
let readyResolve;
const ready = new Promise((resolve) => { readyResolve = resolve; });

worker.onerror = (e) => {
  const message = state.limits
    ? `The inspector's Python worker stopped (${e.message || 'out of memory?'}). Reload the page.`
    : `The inspector worker failed to start (${e.message || 'no details'}). `
      + 'Open the page through the nam-web server so workers get the cross-origin headers.';
  fatal(message);
  for (const { reject } of waiting.values()) reject(new Error(message));
  waiting.clear();
};
worker.onmessage = ({ data }) => {
  if (data.type === 'progress') setStatus('booting', data.text);
  else if (data.type === 'ready') { state.limits = data.limits; setStatus('ready', 'Ready'); buildForm(); readyResolve(); }
  else if (data.type === 'fatal') fatal(data.message);
  else if (waiting.has(data.id)) {
    const { resolve, reject } = waiting.get(data.id);
    waiting.delete(data.id);
    if (data.error !== undefined) reject(new Error(data.error)); else resolve(data.result);
  }
};

async function request(method, args, extra = {}, transfer = []) {
  await ready;
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker.postMessage({ id, method, args, ...extra }, transfer);
  });
}

function setStatus(kind, text) { $('status').dataset.state = kind; $('status-text').textContent = text; }
function fatal(message) { setStatus('error', state.limits ? 'Python stopped' : 'Python failed to start'); showError(message); }
function showError(message) { $('error').textContent = message; $('error').hidden = !message; }
function busy(text) { $('busy').textContent = text || ''; $('busy').hidden = !text; }

// --- opening files ------------------------------------------------------------------------
async function openBytes(slot, bytes, fileName) {
  showError('');
  busy(`Reading ${fileName}…`);
  try {
    const result = await request('open', [slot], { bytes, fileName }, [bytes]);
    if (result.error) {
      delete state.slots[slot];
      showError(`${fileName}: ${result.error}`);
      $(`file-name-${slot}`).textContent = `${fileName} (refused)`;
      render();
      return;
    }
    state.slots[slot] = result;
    delete state.responses[slot];
    delete state.cpu[slot];
    $(`file-name-${slot}`).textContent = fileName;
    if (slot === 'A' || !state.slots.A) state.shown = slot;
    render();
    measureCpu(slot);
  } catch (err) {
    showError(`${fileName}: ${err.message}`);
  } finally { busy(''); }
}

async function openFile(slot, file) {
  await ready;
  const limit = state.limits.max_file_bytes;
  if (file.size > limit) { // refuse before reading a byte of it
    showError(`${file.name}: file is ${(file.size / 2 ** 20).toFixed(1)} MB; .nam files larger than `
      + `${(limit / 2 ** 20).toFixed(0)} MB are refused`);
    $(`file-name-${slot}`).textContent = `${file.name} (refused)`;
    return;
  }
  await openBytes(slot, await file.arrayBuffer(), file.name);
}

async function measureCpu(slot) {
  try {
    state.cpu[slot] = await request('cpu', [slot]);
    if (state.shown === slot) renderCpu();
  } catch (err) { showError(err.message); }
}

// Sine measurements take a few seconds for big models: run them when the plots are first looked at.
const measuring = {};
async function measureResponses() {
  for (const slot of ['A', 'B']) {
    const opened = state.slots[slot];
    if (!opened || state.responses[slot] || measuring[slot] === opened) continue;
    measuring[slot] = opened;
    try {
      const response = await request('response', [slot]);
      if (state.slots[slot] !== opened) continue; // replaced meanwhile
      if (response.error) { $('response-status').textContent = response.error; continue; }
      state.responses[slot] = response;
      renderResponse();
    } catch (err) { showError(err.message); } finally { delete measuring[slot]; }
  }
}

for (const slot of ['A', 'B']) {
  $(`file-${slot}`).addEventListener('change', (e) => e.target.files[0] && openFile(slot, e.target.files[0]));
  const zone = $(`drop-${slot}`);
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault(); e.stopPropagation(); zone.classList.remove('over');
    if (e.dataTransfer.files[0]) openFile(slot, e.dataTransfer.files[0]);
  });
}
document.addEventListener('dragover', (e) => e.preventDefault());
document.addEventListener('drop', (e) => { e.preventDefault(); if (e.dataTransfer.files[0]) openFile('A', e.dataTransfer.files[0]); });
$('close-B').addEventListener('click', async () => {
  await request('close', ['B']);
  delete state.slots.B; delete state.responses.B;
  $('file-name-B').textContent = 'optional: a second model to compare';
  state.shown = 'A';
  render();
});

async function fillLibrary() {
  try {
    const records = await library.list();
    for (const r of records) $('library').add(new Option(r.name || r.fileName, r.id));
  } catch { $('library').disabled = true; }
}
$('library').addEventListener('change', async (e) => {
  if (!e.target.value) return;
  const record = await library.get(Number(e.target.value));
  e.target.value = '';
  if (record) await openBytes($('library-slot').value, record.bytes.slice(0), record.fileName || record.name);
});

// --- rendering ----------------------------------------------------------------------------
const MAX_SHOWN_CHARS = 300;
/** A value as shown: numbers to 4 significant digits, absent as "–", anything long cut short. */
function fmt(v, digits = 4) {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(digits);
  const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}… (${text.length} characters)` : text;
}

function kvRows(table, rows) {
  table.replaceChildren(...rows.map(([label, value, key]) => {
    const tr = document.createElement('tr');
    const th = document.createElement('th'); th.textContent = label;
    const td = document.createElement('td'); td.textContent = value;
    if (key) td.dataset.key = key;
    tr.append(th, td);
    return tr;
  }));
}

function render() {
  const has = Object.keys(state.slots);
  $('views').hidden = has.length === 0;
  $('close-B').hidden = !state.slots.B;
  $('tab-compare').hidden = !(state.slots.A && state.slots.B);
  $('show-slot').value = state.shown;
  if (!state.slots[state.shown]) return;
  renderOverview(); renderCpu(); renderWeights(); renderResponse(); renderEdits(); renderCompare();
  if (!$('view-response').hidden) measureResponses();
}

function renderOverview() {
  const { describe: d, file_name: fileName } = state.slots[state.shown];
  const m = d.metadata;
  const labels = Object.fromEntries(state.limits.fields.map((f) => [f.key, f.label]));
  kvRows($('overview-meta'), [
    ['File', fileName, 'file'],
    ...Object.keys(m).map((k) => [labels[k] || k, fmt(m[k]), k]),
    ['Date', fmt(d.date), 'date'],
    ['Loudness (dBFS)', fmt(d.measured.loudness), 'loudness'],
    ['Gain', fmt(d.measured.gain), 'gain'],
    ['NAM version', d.version, 'version'],
    ['Sample rate (Hz)', fmt(d.sample_rate ?? 'not stated (48000 assumed)'), 'sample_rate'],
  ]);
  const f = d.facts;
  kvRows($('overview-facts'), [
    ['Architecture', d.architecture, 'architecture'],
    ...Object.entries(f).map(([k, v]) => [k.replaceAll('_', ' '), fmt(v), k]),
  ]);
  const arch = $('overview-arch');
  arch.replaceChildren(summaryList(d.summary));
  for (const n of d.nested) {
    const h = document.createElement('h4'); h.textContent = `${n.label}: ${n.architecture}`;
    arch.append(h, summaryList(n.summary));
  }
  const t = d.training;
  kvRows($('overview-training'), t ? Object.entries(t).map(([k, v]) => [k.replaceAll('_', ' '),
    Array.isArray(v) ? v.join(', ') || '–' : fmt(v), k]) : [['', 'no training report in this file']]);
  const problems = Object.values(d.metadata_problems);
  $('overview-warnings').hidden = problems.length === 0;
  $('overview-warnings').textContent = problems.length ? `Metadata the editor would refuse: ${problems.join('; ')}` : '';
}

const isRecord = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);
const compact = (v) => (Array.isArray(v) && v.some(isRecord) ? `${v.length} (below)`
  : Array.isArray(v) ? v.map(compact).join(', ') : isRecord(v) ? JSON.stringify(v) : fmt(v));

/** An engine's summary: scalars as a list; a list of objects (layer arrays) as a table, one row each. */
function summaryList(summary) {
  const box = document.createElement('div');
  const dl = document.createElement('dl');
  dl.className = 'summary';
  box.append(dl);
  for (const [k, v] of Object.entries(summary || {})) {
    if (Array.isArray(v) && v.length && v.every(isRecord)) {
      const columns = [...new Set(v.flatMap(Object.keys))];
      const table = document.createElement('table');
      table.className = 'grid arrays';
      table.dataset.key = k;
      const head = table.createTHead().insertRow();
      for (const c of ['#', ...columns]) head.append(Object.assign(document.createElement('th'), { textContent: c.replaceAll('_', ' ') }));
      const body = table.createTBody();
      v.forEach((row, i) => {
        const tr = body.insertRow();
        for (const c of [i, ...columns.map((col) => compact(row[col]))]) tr.insertCell().textContent = c;
      });
      const h = document.createElement('h4'); h.textContent = k.replaceAll('_', ' ');
      box.append(h, table);
      continue;
    }
    const dt = document.createElement('dt'); dt.textContent = k.replaceAll('_', ' ');
    const dd = document.createElement('dd'); dd.textContent = compact(v);
    dl.append(dt, dd);
  }
  return box;
}

function renderCpu() {
  const cpu = state.cpu[state.shown];
  if (!cpu) { kvRows($('overview-cpu'), [['', 'measuring…']]); return; }
  if (cpu.error) { kvRows($('overview-cpu'), [['', cpu.error]]); return; }
  kvRows($('overview-cpu'), Object.entries(cpu).map(([block, load]) =>
    [`block ${block}`, `${(100 * load).toFixed(1)} % of real time${load > 0.8 ? ' ⚠ may drop out' : ''}`, `cpu-${block}`]));
}

function renderWeights() {
  const body = $('weights-table').tBodies[0];
  body.replaceChildren(...state.slots[state.shown].weights.map((t) => {
    const tr = document.createElement('tr');
    tr.className = 'tensor';
    tr.title = 'Click for a larger histogram';
    const cells = [t.name, t.shape.join(' × '), t.count, fmt(t.min), fmt(t.max), fmt(t.mean), fmt(t.std), t.zeros, t.nonfinite];
    for (const c of cells) { const td = document.createElement('td'); td.textContent = c; tr.append(td); }
    const td = document.createElement('td'); td.append(histogram(t.histogram[0], t.histogram[1])); tr.append(td);
    tr.addEventListener('click', () => toggleHistogram(tr, t));
    return tr;
  }));
}

/** A full-size histogram (as a step line) under a tensor's row; a second click hides it. */
function toggleHistogram(tr, t) {
  if (tr.nextSibling?.classList.contains('detail')) { tr.nextSibling.remove(); return; }
  const [edges, counts] = t.histogram;
  const x = edges.flatMap((e, i) => (i === 0 ? [e] : [e, e]));
  const y = counts.flatMap((c) => [c, c]);
  const detail = document.createElement('tr');
  detail.className = 'detail';
  const td = document.createElement('td');
  td.colSpan = 10;
  td.append(linePlot({ title: `${t.name}: ${t.count} weights`, xlabel: 'weight value', ylabel: 'count', ymin: 0,
    series: [{ label: state.shown, x: x.slice(0, y.length), y, color: COLORS[state.shown] }], width: 640, height: 220 }));
  detail.append(td);
  tr.after(detail);
}

const COLORS = { A: '#e8a33d', B: '#4aa3df' };
const HARMONIC_COLORS = ['#e8a33d', '#4aa3df', '#7bc96f', '#d66ba0', '#b39ddb'];
function renderResponse() {
  const slots = ['A', 'B'].filter((s) => state.slots[s] && state.responses[s]);
  const missing = ['A', 'B'].filter((s) => state.slots[s] && !state.responses[s]);
  $('response-status').textContent = missing.length ? `Measuring ${missing.join(' and ')} with sine tones…`
    : 'Measured by nam_web with steady tones and sine sweeps (levels in dBFS of the sine peak).';
  if (!slots.length) { $('plots').replaceChildren(); return; }
  const series = (fn) => slots.flatMap((s) => fn(state.responses[s], s).map((x) => ({ color: COLORS[s], dash: s === 'B', ...x })));
  const tone = state.responses[slots[0]].levels.tone_hz.toFixed(0);
  $('plots').replaceChildren(
    linePlot({ title: `Gain curve (${tone} Hz tone)`, xlabel: 'input (dBFS)', ylabel: 'output (dBFS)', minSpan: 12,
      series: series((r, s) => [{ label: s, x: r.levels.input_db, y: r.levels.output_db, markers: true }]) }),
    linePlot({ title: 'Harmonics', xlabel: 'input (dBFS)', ylabel: 'dBc', ymin: -120, ymax: 0,
      series: series((r, s) => r.levels.harmonics_db.slice(0, 5).map((y, i) => ({ label: `${s} H${i + 2}`, x: r.levels.input_db, y, color: HARMONIC_COLORS[i] }))) }),
    linePlot({ title: 'THD', xlabel: 'input (dBFS)', ylabel: '%', logy: true,
      series: series((r, s) => [{ label: s, x: r.levels.input_db, y: r.levels.thd_percent.map((v) => Math.max(v, 1e-4)) }]) }),
    linePlot({ title: 'Frequency response (sine sweep)', xlabel: 'Hz', ylabel: 'gain (dB)', logx: true, minSpan: 12,
      series: series((r, s) => r.frequency.map((c, i) => ({ label: `${s} ${c.level_db} dBFS`, x: c.frequency_hz, y: c.gain_db, width: 2 - 0.5 * i }))) }),
  );
}

// --- editing ------------------------------------------------------------------------------
function buildForm() {
  const form = $('edit-form');
  for (const f of state.limits.fields) {
    const label = document.createElement('label');
    label.textContent = f.label;
    let input;
    if (f.kind === 'enum') {
      input = document.createElement('select');
      input.add(new Option('(not set)', ''));
      for (const c of f.choices) input.add(new Option(c, c));
    } else {
      input = document.createElement('input');
      if (f.kind === 'dbu') { input.type = 'number'; input.step = '0.1'; } else input.maxLength = state.limits.max_text_chars;
    }
    input.name = f.key;
    input.addEventListener('change', () => setField(f.key, input.value));
    const error = document.createElement('span');
    error.className = 'field-error'; error.id = `error-${f.key}`;
    label.append(input, error);
    form.append(label);
  }
  form.addEventListener('submit', (e) => e.preventDefault());
}

async function setField(key, value) {
  const slot = state.shown;
  const result = await request('set_field', [slot, key, value]);
  $(`error-${key}`).textContent = result.error ? result.reason : '';
  if (!result.error) { state.slots[slot].edits = result; renderEdits(); }
}

function renderEdits() {
  const { edits } = state.slots[state.shown];
  for (const f of state.limits.fields) {
    const input = $('edit-form').elements[f.key];
    const value = edits.metadata[f.key];
    if (document.activeElement !== input) input.value = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : value;
  }
  $('undo').disabled = !edits.can_undo;
  const rows = Object.entries(edits.changes);
  $('changes').replaceChildren(...rows.map(([k, [a, b]]) => {
    const tr = document.createElement('tr');
    for (const c of [k, fmt(a), '→', fmt(b)]) { const td = document.createElement('td'); td.textContent = c; tr.append(td); }
    return tr;
  }));
}

$('undo').addEventListener('click', async () => {
  const slot = state.shown;
  state.slots[slot].edits = await request('undo', [slot]);
  for (const f of state.limits.fields) $(`error-${f.key}`).textContent = '';
  renderEdits();
});

function editedName(slot) {
  const name = state.slots[slot].edits.metadata.name;
  const base = state.slots[slot].file_name.replace(/\.nam$/i, '');
  return `${(name || base).replace(/[^\w\- .]+/g, '_')}-edited.nam`;
}

$('save-file').addEventListener('click', async () => {
  const slot = state.shown;
  const bytes = await request('save', [slot]);
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url; a.download = editedName(slot);
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  $('edit-status').textContent = `Saved ${a.download}`;
});

$('save-library').addEventListener('click', async () => {
  const slot = state.shown;
  const bytes = await request('save', [slot]);
  const { describe: d, edits } = state.slots[slot];
  const fileName = editedName(slot);
  await library.add({ name: edits.metadata.name || fileName, fileName, gear: edits.metadata.gear_model || '',
    sampleRate: d.sample_rate, architecture: d.architecture, bytes: bytes.buffer });
  $('edit-status').textContent = `Added ${fileName} to the library (the original entry is unchanged)`;
});

// --- A/B ----------------------------------------------------------------------------------
async function renderCompare() {
  if (!(state.slots.A && state.slots.B)) return;
  const rows = await request('compare', []);
  if (rows.error) { showError(rows.error); return; }
  const only = $('only-differences').checked;
  $('compare-table').tBodies[0].replaceChildren(...rows.filter((r) => !only || !r.same).map((r) => {
    const tr = document.createElement('tr');
    tr.className = r.same ? '' : 'differs';
    for (const c of [r.key, fmt(r.a), fmt(r.b)]) { const td = document.createElement('td'); td.textContent = c; tr.append(td); }
    return tr;
  }));
}
$('only-differences').addEventListener('change', renderCompare);

// --- views --------------------------------------------------------------------------------
$('tabs').addEventListener('click', (e) => {
  const view = e.target.dataset?.view;
  if (!view) return;
  for (const b of $('tabs').querySelectorAll('button')) b.classList.toggle('active', b === e.target);
  for (const s of document.querySelectorAll('.view')) s.hidden = s.id !== `view-${view}`;
  if (view === 'response') measureResponses();
});
$('show-slot').addEventListener('change', (e) => {
  if (state.slots[e.target.value]) state.shown = e.target.value;
  render();
});

// Any failed request that no handler caught (save, edit, compare…) is shown, not lost in the console.
window.addEventListener('unhandledrejection', (e) => { e.preventDefault(); showError(e.reason?.message || String(e.reason)); });

fillLibrary();
const fromLibrary = new URLSearchParams(location.search).get('model');
if (fromLibrary) library.get(Number(fromLibrary)).then((r) => r && openBytes('A', r.bytes.slice(0), r.fileName || r.name));
