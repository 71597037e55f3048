// The capture wizard: download the signal, upload the reamp, see the checks, train, get the .nam.
// Talks to the training API (/api/train/...); progress arrives as server-sent events.

const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.search).get('token');
const authHeaders = token ? { Authorization: `Bearer ${token}` } : {};
const withToken = (url) => (token ? `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : url);

let job = null;        // the job shown in steps 3–5
let events = null;     // its EventSource while it trains

async function api(path, options = {}) {
  const response = await fetch(`/api/train${path}`, { ...options, headers: { ...authHeaders, ...(options.headers || {}) } });
  const body = response.status === 204 ? null : await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = body && body.detail;
    const error = new Error(typeof detail === 'string' ? detail
      : detail && detail.message ? detail.message
        : Array.isArray(detail) ? detail.map((d) => `${d.loc.slice(-1)[0]}: ${d.msg}`).join('; ')
          : `HTTP ${response.status}`);
    error.checks = detail && detail.checks;
    throw error;
  }
  return body;
}

function showError(box, message) {
  box.textContent = message || '';
  box.hidden = !message;
}

// ---- step 1: the capture signal -------------------------------------------------------------
function updateSignalLink() {
  $('download-signal').href = withToken(`/api/train/capture-signal.wav?variant=${$('signal-variant').value}`);
}

// ---- step 2: upload and checks --------------------------------------------------------------
function renderChecks(checks) {
  const list = $('checks');
  list.replaceChildren(...(checks || []).map((c) => {
    const li = document.createElement('li');
    li.dataset.status = c.status;
    li.dataset.check = c.name;
    li.textContent = c.message;
    return li;
  }));
}

async function onUpload(event) {
  event.preventDefault();
  const form = new FormData();
  form.append('output', $('output-file').files[0]);
  if ($('input-file').files[0]) form.append('input', $('input-file').files[0]);
  form.append('signal_variant', $('signal-variant').value);
  if ($('latency').value !== '') form.append('latency', $('latency').value);
  showError($('upload-error'), '');
  renderChecks([]);
  $('check-button').disabled = true;
  $('check-button').textContent = 'Checking…';
  try {
    job = await api('/jobs', { method: 'POST', body: form });
    renderChecks(job.analysis.checks);
    $('step-model').hidden = false;
    $('step-model').scrollIntoView({ behavior: 'smooth' });
  } catch (error) {
    showError($('upload-error'), error.message);
    renderChecks(error.checks);
    $('step-model').hidden = true;
  } finally {
    $('check-button').disabled = false;
    $('check-button').textContent = 'Check recording';
  }
  refreshJobs();
}

// ---- step 3: settings -----------------------------------------------------------------------
const numberOrNull = (id) => ($(id).value === '' ? null : Number($(id).value));
const textOrNull = (id) => ($(id).value.trim() === '' ? null : $(id).value.trim());

function startRequest() {
  return {
    arch: $('arch').value,
    epochs: Number($('epochs').value),
    early_stopping: numberOrNull('early-stopping'),
    latency: numberOrNull('latency'),
    ignore_checks: $('ignore-checks').checked,
    batch_size: Number($('batch-size').value),
    segment: Number($('segment').value),
    steps_per_epoch: numberOrNull('steps-per-epoch'),
    loss: $('loss').value,
    pre_emphasis: $('pre-emphasis').value,
    pre_emphasis_weight: Number($('pre-emphasis-weight').value),
    mrstft_weight: Number($('mrstft-weight').value),
    metadata: {
      name: textOrNull('meta-name'), modeled_by: textOrNull('meta-modeled-by'),
      gear_type: textOrNull('meta-gear-type'), gear_make: textOrNull('meta-gear-make'),
      gear_model: textOrNull('meta-gear-model'), tone_type: textOrNull('meta-tone-type'),
      input_level_dbu: numberOrNull('meta-input-dbu'), output_level_dbu: numberOrNull('meta-output-dbu'),
    },
  };
}

async function onStart(event) {
  event.preventDefault();
  $('start-button').disabled = true;
  try {
    job = await api(`/jobs/${job.id}/start`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(startRequest()),
    });
    follow(job);
  } catch (error) {
    showError($('upload-error'), error.message);
  } finally {
    $('start-button').disabled = false;
  }
}

// ---- step 4: progress -----------------------------------------------------------------------
const TERMINAL = ['finished', 'failed', 'cancelled', 'interrupted'];

function follow(current) {
  job = current;
  $('step-train').hidden = false;
  $('step-result').hidden = true;
  showError($('train-error'), '');
  if (events) events.close();
  render(current);
  if (TERMINAL.includes(current.state)) return;
  events = new EventSource(withToken(`/api/train/jobs/${current.id}/events`));
  events.onmessage = (message) => {
    const update = JSON.parse(message.data);
    render(update);
    if (TERMINAL.includes(update.state)) {
      events.close();
      events = null;
      refreshJobs();
    }
  };
}

function formatSeconds(s) {
  if (!Number.isFinite(s)) return '–';
  return s >= 90 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`;
}

function render(current) {
  job = current;
  const state = $('job-state');
  state.textContent = current.state;
  state.dataset.state = current.state;
  const p = current.progress;
  const epochs = current.settings && current.settings.train ? current.settings.train.epochs : 0;
  if (p) {
    $('progress-text').textContent = `epoch ${p.epoch}/${p.epochs} · loss ${p.train_loss.toExponential(2)}`
      + ` · validation ESR ${p.val_esr.toFixed(4)} (best ${p.best_esr.toFixed(4)}) · ETA ${formatSeconds(p.eta_seconds)}`;
    $('progress-fill').style.width = `${(100 * p.epoch) / p.epochs}%`;
  } else {
    $('progress-text').textContent = current.state === 'queued' ? 'Waiting for a free trainer…'
      : current.state === 'running' ? `Training ${epochs} epochs… the first one is on its way` : '';
    $('progress-fill').style.width = '0%';
  }
  plotEsr(current.history || []);
  const active = current.state === 'queued' || current.state === 'running';
  $('cancel-button').hidden = !active;
  $('resume-button').hidden = !['cancelled', 'interrupted', 'failed'].includes(current.state);
  showError($('train-error'), current.state === 'failed' || current.state === 'interrupted' ? current.error : '');
  if (current.state === 'finished') showResult(current);
}

function axes(ctx, canvas, label) {
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.strokeStyle = '#2a2d35';
  ctx.strokeRect(48, 10, canvas.width - 58, canvas.height - 40);
  ctx.fillStyle = '#8d9099';
  ctx.font = '14px system-ui';
  ctx.fillText(label, 56, canvas.height - 10);
}

function plotEsr(history) {
  const canvas = $('esr-plot');
  const ctx = canvas.getContext('2d');
  axes(ctx, canvas, 'validation ESR per epoch (log scale)');
  if (!history.length) return;
  const values = history.map((h) => Math.log10(Math.max(h.val_esr, 1e-6)));
  const lo = Math.floor(Math.min(...values)), hi = Math.ceil(Math.max(...values, lo + 1));
  const w = canvas.width - 58, h = canvas.height - 40;
  const x = (i) => 48 + (history.length === 1 ? w / 2 : (i * w) / (history.length - 1));
  const y = (v) => 10 + h - ((v - lo) / (hi - lo)) * h;
  ctx.fillStyle = '#8d9099';
  for (let d = lo; d <= hi; d += 1) ctx.fillText(`1e${d}`, 4, y(d) + 4);
  ctx.strokeStyle = '#ffb13b';
  ctx.lineWidth = 2;
  ctx.beginPath();
  values.forEach((v, i) => (i ? ctx.lineTo(x(i), y(v)) : ctx.moveTo(x(i), y(v))));
  ctx.stroke();
  ctx.fillStyle = '#ffb13b';
  values.forEach((v, i) => ctx.fillRect(x(i) - 2, y(v) - 2, 4, 4));
}

async function onCancel() {
  try { render(await api(`/jobs/${job.id}/cancel`, { method: 'POST' })); } catch (error) { showError($('train-error'), error.message); }
}

async function onResume() {
  try { follow(await api(`/jobs/${job.id}/resume`, { method: 'POST' })); } catch (error) { showError($('train-error'), error.message); }
}

// ---- step 5: result -------------------------------------------------------------------------
async function showResult(current) {
  const report = await api(`/jobs/${current.id}/report`);
  $('step-result').hidden = false;
  $('result-esr').textContent = `ESR ${report.validation_esr.toFixed(5)}`;
  $('result-quality').textContent = report.quality;
  $('result-quality').dataset.quality = report.quality;
  $('result-detail').textContent = `Best epoch ${report.best_epoch} of ${report.history.length} (${report.stopped}); `
    + `${report.architecture}, loudness ${report.loudness_db.toFixed(1)} dB, gain ${report.gain.toFixed(2)}.`;
  $('download-model').href = withToken(`/api/train/jobs/${current.id}/files/model.nam`);
  $('residual-audio').src = withToken(`/api/train/jobs/${current.id}/files/residual.wav`);
  plotCompare(report.plot);
}

function plotCompare(plot) {
  const canvas = $('compare-plot');
  const ctx = canvas.getContext('2d');
  axes(ctx, canvas, `target (grey) vs model (amber), 50 ms from ${plot.start_seconds.toFixed(2)} s of validation`);
  const peak = Math.max(1e-6, ...plot.target.map(Math.abs), ...plot.prediction.map(Math.abs));
  const w = canvas.width - 58, h = canvas.height - 40;
  const line = (values, color) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    values.forEach((v, i) => {
      const px = 48 + (i * w) / Math.max(1, values.length - 1), py = 10 + h / 2 - (v / peak) * (h / 2 - 4);
      if (i) ctx.lineTo(px, py); else ctx.moveTo(px, py);
    });
    ctx.stroke();
  };
  line(plot.target, '#8d9099');
  line(plot.prediction, '#ffb13b');
}

// ---- the job list ---------------------------------------------------------------------------
async function refreshJobs() {
  let jobs;
  try { jobs = await api('/jobs'); } catch (error) {
    $('status').dataset.state = 'error';
    $('status-text').textContent = error.message;
    return;
  }
  $('jobs').replaceChildren(...jobs.map((j) => {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.className = 'job-name';
    name.textContent = `${j.name || 'capture'} · ${new Date(j.created * 1000).toLocaleString()}`;
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.dataset.state = j.state;
    badge.textContent = j.state;
    const open = document.createElement('button');
    open.textContent = 'Open';
    open.addEventListener('click', () => (j.state === 'created' ? openCreated(j) : follow(j)));
    li.append(name, badge, open);
    return li;
  }));
}

function openCreated(j) {
  job = j;
  renderChecks(j.analysis && j.analysis.checks);
  $('step-model').hidden = false;
  $('step-model').scrollIntoView({ behavior: 'smooth' });
}

async function fillChoices() {
  const { gear_types: gear, tone_types: tone } = await api('/presets');
  const add = (select, values) => values.forEach((v) => select.append(new Option(v.replaceAll('_', ' '), v)));
  add($('meta-gear-type'), gear);
  add($('meta-tone-type'), tone);
}

$('signal-variant').addEventListener('change', updateSignalLink);
$('upload-form').addEventListener('submit', onUpload);
$('start-form').addEventListener('submit', onStart);
$('cancel-button').addEventListener('click', onCancel);
$('resume-button').addEventListener('click', onResume);
updateSignalLink();
fillChoices().then(refreshJobs).catch((error) => {
  $('status').dataset.state = 'error';
  $('status-text').textContent = error.message;
});
