// The Play page: start-up progress, controls, meters, model library, A/B, DI audition.
import { AudioIO, listDevices } from './audio.js';
import { Engine } from './engine.js';
import { makeKnob } from './knob.js';
import { library } from './library.js';

const $ = (sel) => document.querySelector(sel);
const STEPS = ['isolation', 'python', 'numpy', 'nam_web', 'engine'];
const state = { ready: false, slots: { A: null, B: null }, active: 'A', lastUnderruns: 0, dropped: false, clipHold: { in: 0, out: 0 } };
let resolveReady;
let rejectReady;
const ready = new Promise((resolve, reject) => { resolveReady = resolve; rejectReady = reject; });

// --- status & start-up --------------------------------------------------------------------
function setStatus(kind, text) {
  $('#status').dataset.state = kind;
  $('#status-text').textContent = text;
}

function stepDone(upTo) {
  const index = STEPS.indexOf(upTo);
  document.querySelectorAll('#startup-steps li').forEach((li) => {
    const i = STEPS.indexOf(li.dataset.step);
    li.className = i < index ? 'done' : i === index ? 'active' : '';
  });
}

function fail(message) {
  const active = document.querySelector('#startup-steps li.active');
  if (active) active.className = 'failed';
  $('#startup-error').hidden = false;
  $('#startup-error').textContent = message;
  setStatus('error', 'Engine failed to start');
  rejectReady(new Error(message));
}

function say(text, kind = 'info') {
  const li = document.createElement('li');
  li.className = kind;
  li.textContent = text;
  $('#messages').prepend(li);
  while ($('#messages').children.length > 6) $('#messages').lastChild.remove();
}

if (!self.crossOriginIsolated) {
  stepDone('isolation');
}
const engine = new Engine({
  onProgress: (stage, text) => { stepDone(stage); $('#startup-detail').textContent = text; setStatus('booting', text); },
  onReady: () => {
    stepDone('done');
    state.ready = true;
    $('#startup').classList.add('finished');
    $('#startup-detail').textContent = '';
    setStatus('ready', 'Engine ready — press Start audio');
    resolveReady();
    restoreSlots();
  },
  onFatal: fail,
});
const audio = new AudioIO(engine);

// --- controls -----------------------------------------------------------------------------
const pending = {};
let flushQueued = false;
function sendControl(name, value) {
  pending[name] = value;
  if (flushQueued) return;
  flushQueued = true;
  requestAnimationFrame(async () => {
    flushQueued = false;
    const changes = { ...pending };
    for (const k of Object.keys(pending)) delete pending[k];
    if (state.ready) await engine.call('set_controls', changes).catch((e) => say(e.message, 'error'));
  });
}
document.querySelectorAll('.knob').forEach((el) => makeKnob(el, sendControl));
document.querySelectorAll('.switch input[data-control], select[data-control]').forEach((el) => {
  el.addEventListener('change', () => sendControl(el.dataset.control, el.type === 'checkbox' ? el.checked : el.value));
});

// --- audio start, devices, block size ------------------------------------------------------
const AUTO_MARGIN = { start: 256, max: 2048 };
/** Safety buffer (frames): the chosen one, or in "auto" one that starts small and that the worklet
 * grows after each dropout. */
function margins() {
  const chosen = $('#margin').value;
  return chosen === 'auto' ? { margin: AUTO_MARGIN.start, maxMargin: AUTO_MARGIN.max }
    : { margin: Number(chosen), maxMargin: Number(chosen) };
}

/** The processing latency the bridge adds: block + safety buffer, as the worklet holds it now. */
function blockText() {
  const rate = audio.context?.sampleRate || 48000;
  const block = Number($('#block').value);
  const frames = audio.running ? audio.target() : block + margins().margin;
  $('#block-ms').textContent = `+${(1000 * frames / rate).toFixed(1)} ms`;
  $('#margin option[value="auto"]').textContent = `auto (${$('#margin').value === 'auto' ? frames - block : AUTO_MARGIN.start})`;
}

async function startAudio(options = {}) {
  await ready;
  const opts = {
    inputId: $('#input-device').value, outputId: $('#output-device').value,
    channel: Number($('#input-channel').value), block: Number($('#block').value),
    ...margins(), latencyHint: 0, ...options,
  };
  if (options.margin !== undefined) opts.maxMargin = options.maxMargin ?? options.margin;
  $('#block').value = String(opts.block);
  if (options.margin !== undefined) $('#margin').value = String(opts.margin);
  try {
    setStatus('booting', 'Opening audio input…');
    const context = await audio.start(opts);
    Object.assign(state, { lastUnderruns: 0, dropped: false }); // the counters start again
    $('#rate').textContent = `${context.sampleRate / 1000} kHz`;
    $('#start').textContent = '■ Stop audio';
    $('#start').classList.add('running');
    setStatus('playing', 'Playing');
    blockText();
    await refreshDevices();
  } catch (err) {
    setStatus('error', 'Audio input failed');
    say(err.message, 'error');
    throw err;
  }
}

async function stopAudio() {
  await audio.stop();
  $('#start').textContent = '▶ Start audio';
  $('#start').classList.remove('running');
  setStatus('ready', 'Stopped');
}

$('#start').addEventListener('click', () => (audio.running ? stopAudio() : startAudio().catch(() => {})));
function applyBlock() {
  state.dropped = false;
  const { margin, maxMargin } = margins();
  audio.setBlock(Number($('#block').value), margin, maxMargin);
  blockText();
}
$('#block').addEventListener('change', applyBlock);
$('#margin').addEventListener('change', applyBlock);
$('#input-channel').addEventListener('change', () => audio.setChannel(Number($('#input-channel').value)));
$('#input-device').addEventListener('change', () => audio.running && startAudio().catch(() => {}));
$('#output-device').addEventListener('change', () => audio.setOutput($('#output-device').value).catch((e) => say(e.message, 'error')));

async function refreshDevices() {
  const { inputs, outputs, canPickOutput } = await listDevices();
  const fill = (select, devices, fallback) => {
    const keep = select.value;
    select.innerHTML = `<option value="">${fallback}</option>`
      + devices.filter((d) => d.deviceId && d.deviceId !== 'default')
        .map((d, i) => `<option value="${d.deviceId}">${d.label || `${fallback} ${i + 1}`}</option>`).join('');
    select.value = keep;
  };
  fill($('#input-device'), inputs, 'Default input');
  fill($('#output-device'), outputs, 'Default output');
  $('#output-device-label').hidden = !canPickOutput;
}
navigator.mediaDevices?.addEventListener?.('devicechange', refreshDevices);
blockText();

// --- meters --------------------------------------------------------------------------------
const dbOf = (peak) => (peak > 0 ? 20 * Math.log10(peak) : -Infinity);
function showMeter(which, peak, clips) {
  const db = dbOf(peak);
  const fraction = Math.max(0, Math.min(1, (db + 60) / 60));
  $(`#meter-${which}`).style.width = `${100 * fraction}%`;
  $(`#meter-${which}-db`).textContent = Number.isFinite(db) ? `${db.toFixed(1)} dB` : '-∞';
  if (clips > 0) state.clipHold[which] = performance.now() + 1500;
  $(`#clip-${which}`).classList.toggle('lit', performance.now() < state.clipHold[which]);
}

/** What the page says when the engine cannot keep up (load in % of real time), or null. */
function perfWarning(load, block) {
  const margin = audio.target() - block;
  const ms = (frames) => `${(1000 * frames / audio.context.sampleRate).toFixed(1)} ms`;
  const auto = $('#margin').value === 'auto';
  if (load > 90 || (state.dropped && auto && audio.target() >= audio.targets().maxTarget)) {
    return block < 1024
      ? `This model needs more CPU than block ${block} allows (${load.toFixed(0)} % of real time): choose block ${block * 2} or a smaller model.`
      : `This model is too heavy for this computer even at block 1024 (${load.toFixed(0)} % of real time): try a smaller model (Lite, Feather or Nano).`;
  }
  if (!state.dropped) return null; // a dropout is explained until the block or the safety buffer is chosen again
  const busy = `Dropout: the computer kept the engine waiting (it needs ${load.toFixed(0)} % of real time on average).`;
  return auto ? `${busy} The safety buffer grew to ${margin} samples (${ms(margin)}).`
    : `${busy} A safety buffer of ${margin} samples (${ms(margin)}) is too small here: choose a larger one, or auto.`;
}

async function pollMeters() {
  if (state.ready && audio.running) {
    const m = await engine.call('take_meters').catch(() => null);
    if (m) { showMeter('in', m.in_peak, m.in_clips); showMeter('out', m.out_peak, m.out_clips); }
    const load = audio.stat('LOAD_PPM') / 1e4;
    const underruns = audio.stat('UNDERRUNS');
    $('#cpu').innerHTML = `${load.toFixed(0)}<small> %</small>`;
    $('#cpu').classList.toggle('hot', load > 80);
    $('#underruns').textContent = String(underruns);
    $('#underruns').classList.toggle('hot', underruns > 0);
    $('#underruns').title = `${underruns} dropouts while playing; ${audio.stat('LOAD_GAPS')} short gaps while loading models, IRs or DIs`;
    const lat = audio.latency();
    if (!lat) { setTimeout(pollMeters, 100); return; }
    $('#latency').innerHTML = `${(1000 * lat.total).toFixed(1)}<small> ms</small>`;
    $('#latency').title = `context ${(1000 * lat.base).toFixed(1)} ms + output ${(1000 * lat.output).toFixed(1)} ms + processing ${(1000 * lat.processing).toFixed(1)} ms`;
    if (underruns > state.lastUnderruns) state.dropped = true;
    state.lastUnderruns = underruns;
    blockText(); // the automatic safety buffer may have grown
    const warning = $('#perf-warning');
    const text = perfWarning(load, Number($('#block').value));
    if (text) {
      warning.hidden = false;
      warning.textContent = text;
    } else if (load < 70) {
      warning.hidden = true;
    }
  }
  setTimeout(pollMeters, 100);
}
pollMeters();

// --- models: slots, A/B, library -----------------------------------------------------------
function showSlot(slot, info) {
  state.slots[slot] = info;
  $(`#slot-${slot}-name`).textContent = info ? info.name : 'no model';
  $(`#slot-${slot}-meta`).textContent = info ? [info.gear, info.size_class, info.sample_rate ? `${info.sample_rate / 1000} kHz` : ''].filter(Boolean).join(' · ') : '';
}

async function loadIntoSlot(slot, bytes, fileName, libraryId = null) {
  const before = { kind: $('#status').dataset.state, text: $('#status-text').textContent };
  setStatus('booting', `Loading ${fileName} into ${slot}…`);
  let info;
  try {
    info = await engine.call('load_model', { slot, name: fileName }, new Uint8Array(bytes));
  } finally {
    setStatus(before.kind, before.text);
  }
  showSlot(slot, info);
  if (libraryId !== null) localStorage.setItem(`nam-web.slot.${slot}`, String(libraryId));
  return info;
}

async function selectSlot(slot) {
  await engine.call('select', { slot });
  state.active = slot;
  document.querySelectorAll('.slot').forEach((b) => b.classList.toggle('active', b.dataset.slot === slot));
}
document.querySelectorAll('.slot').forEach((b) => b.addEventListener('click', () => selectSlot(b.dataset.slot)));
document.addEventListener('keydown', (e) => {
  if (e.target.matches('input, select, textarea')) return;
  if (e.key === 'a' || e.key === 'A') selectSlot('A');
  if (e.key === 'b' || e.key === 'B') selectSlot('B');
});

async function restoreSlots() {
  for (const slot of ['A', 'B']) {
    const id = Number(localStorage.getItem(`nam-web.slot.${slot}`));
    if (!id) continue;
    const record = await library.get(id).catch(() => null);
    if (record) await loadIntoSlot(slot, record.bytes, record.fileName).catch((e) => say(e.message, 'error'));
  }
  await renderLibrary();
}

async function renderLibrary() {
  const records = await library.list();
  const body = $('#library tbody');
  body.innerHTML = '';
  for (const r of records) {
    const tr = document.createElement('tr');
    tr.dataset.id = r.id;
    tr.innerHTML = `<td class="name"></td><td class="gear"></td><td>${r.sizeClass}</td><td>${r.sampleRate ? `${r.sampleRate / 1000} kHz` : '?'}</td>
      <td class="actions"><button data-act="A" title="Load into slot A">A</button><button data-act="B" title="Load into slot B">B</button>
      <button data-act="rename" title="Rename">✎</button><button data-act="delete" title="Delete">✕</button></td>`;
    tr.querySelector('.name').textContent = r.name;
    tr.querySelector('.gear').textContent = r.gear || '';
    tr.querySelectorAll('button').forEach((b) => b.addEventListener('click', () => libraryAction(r, b.dataset.act)));
    body.append(tr);
  }
  if (!records.length) body.innerHTML = '<tr class="empty"><td colspan="5">Your library is empty: drop .nam files above.</td></tr>';
}

async function libraryAction(record, act) {
  try {
    if (act === 'A' || act === 'B') {
      await loadIntoSlot(act, record.bytes, record.fileName, record.id);
      if (state.active !== act) await selectSlot(act);
    } else if (act === 'rename') {
      const name = prompt('New name for this model', record.name);
      if (name) await library.rename(record.id, name);
    } else if (act === 'delete') {
      await library.remove(record.id);
    }
  } catch (err) {
    say(err.message, 'error');
  }
  await renderLibrary();
}

async function addFiles(files) {
  await ready;
  let loaded = false;
  for (const file of files) {
    const bytes = await file.arrayBuffer();
    try {
      if (/\.wav$/i.test(file.name)) {
        const info = await engine.call('load_ir', { name: file.name }, new Uint8Array(bytes));
        $('#ir-name').textContent = `IR: ${info.name}`;
        say(`Cab IR ${file.name} loaded`, 'ok');
      } else if (/\.nam$/i.test(file.name)) {
        const info = await engine.call('inspect_model', { name: file.name }, new Uint8Array(bytes));
        const id = await library.add({ name: info.name, fileName: file.name, gear: info.gear, sizeClass: info.size_class,
          sampleRate: info.sample_rate, architecture: info.architecture, bytes });
        if (!loaded) { await loadIntoSlot(state.active, bytes, file.name, id); loaded = true; }
        say(`${file.name} added to the library${loaded ? '' : ''}`, 'ok');
      } else {
        say(`${file.name}: not a .nam model or a .wav impulse response`, 'error');
      }
    } catch (err) {
      say(err.message.startsWith(file.name) ? err.message : `${file.name}: ${err.message}`, 'error');
    }
  }
  await renderLibrary();
}

const drop = $('#drop');
['dragenter', 'dragover'].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.add('over'); }));
['dragleave', 'drop'].forEach((t) => drop.addEventListener(t, () => drop.classList.remove('over')));
drop.addEventListener('drop', (e) => { e.preventDefault(); addFiles([...e.dataTransfer.files]); });
document.addEventListener('dragover', (e) => e.preventDefault());
document.addEventListener('drop', (e) => { e.preventDefault(); if (!drop.contains(e.target)) addFiles([...e.dataTransfer.files]); });
$('#file-input').addEventListener('change', (e) => { addFiles([...e.target.files]); e.target.value = ''; });

// --- DI audition ---------------------------------------------------------------------------
async function setDi(bytes, name) {
  await ready;
  try {
    await engine.call('set_di', { name }, new Uint8Array(bytes));
    $('#di-name').textContent = name;
    $('#di-on').checked = true;
  } catch (err) { say(err.message, 'error'); }
}
$('#di-bundled').addEventListener('click', async () => setDi(await (await fetch('/audio/di_clip.wav')).arrayBuffer(), 'di_clip.wav'));
$('#di-file').addEventListener('change', async (e) => { const f = e.target.files[0]; if (f) setDi(await f.arrayBuffer(), f.name); });
$('#di-on').addEventListener('change', async () => {
  if ($('#di-on').checked) {
    if (!$('#di-name').textContent) $('#di-bundled').click();
  } else {
    await engine.call('set_di', {});
    $('#di-name').textContent = '';
  }
});
$('#render').addEventListener('click', async () => {
  try {
    if (!$('#di-name').textContent) await setDi(await (await fetch('/audio/di_clip.wav')).arrayBuffer(), 'di_clip.wav');
    const bytes = await engine.call('render');
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([bytes], { type: 'audio/wav' }));
    const model = state.slots[state.active]?.name || 'dry';
    a.download = `${model} - ${$('#di-name').textContent.replace(/\.wav$/i, '')}.wav`.replace(/[/\\:]/g, '_');
    a.click();
    say(`Rendered ${a.download}`, 'ok');
  } catch (err) { say(err.message, 'error'); }
});

// For tests and the benchmark.
window.namWeb = { engine, audio, library, ready, state, startAudio, stopAudio, selectSlot, addFiles };
