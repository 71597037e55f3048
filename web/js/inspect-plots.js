// Small SVG plots for the inspector: line plots (linear/log axes, overlays) and histograms.
const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}, text = null) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}

function niceTicks(lo, hi, count = 6) {
  const step0 = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) || mag;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

function logTicks(lo, hi) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) { const v = m * 10 ** e; if (v >= lo && v <= hi) ticks.push(v); }
  }
  return ticks.length >= 2 ? ticks : [+lo.toPrecision(2), +hi.toPrecision(2)];
}

const label = (v) => (Math.abs(v) >= 1000 ? `${+(v / 1000).toPrecision(3)}k` : `${+v.toPrecision(3)}`);

/** A line plot: series [{x, y, label, color, dash, width, markers}] with optional log axes. */
export function linePlot({ title, xlabel, ylabel, series, logx = false, logy = false, ymin, ymax, minSpan = 0,
  width = 460, height = 280 }) {
  const m = { l: 52, r: 12, t: 26, b: 40 };
  const fx = logx ? Math.log10 : (v) => v;
  const fy = logy ? Math.log10 : (v) => v;
  const xs = series.flatMap((s) => s.x);
  const ys = series.flatMap((s) => s.y).filter((v) => Number.isFinite(v) && v > -150);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [ymin ?? Math.min(...ys), ymax ?? Math.max(...ys)];
  if (logy && !(y1 > y0 * 1.01)) { y0 /= 10; y1 *= 10; }
  if (!logy && !(y1 - y0 >= minSpan)) { const mid = (y0 + y1) / 2; y0 = mid - Math.max(minSpan, 1) / 2; y1 = mid + Math.max(minSpan, 1) / 2; }
  if (x1 === x0) x1 = x0 + 1;
  const px = (v) => m.l + ((fx(v) - fx(x0)) / (fx(x1) - fx(x0))) * (width - m.l - m.r);
  const py = (v) => height - m.b - ((fy(Math.min(Math.max(v, y0), y1)) - fy(y0)) / (fy(y1) - fy(y0))) * (height - m.t - m.b);
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, class: 'plot', role: 'img', 'aria-label': title });
  svg.append(el('text', { x: width / 2, y: 16, class: 'plot-title', 'text-anchor': 'middle' }, title));
  for (const t of logx ? logTicks(x0, x1) : niceTicks(x0, x1)) {
    svg.append(el('line', { x1: px(t), x2: px(t), y1: m.t, y2: height - m.b, class: 'grid' }));
    svg.append(el('text', { x: px(t), y: height - m.b + 14, 'text-anchor': 'middle', class: 'tick' }, label(t)));
  }
  for (const t of logy ? logTicks(y0, y1) : niceTicks(y0, y1, 5)) {
    svg.append(el('line', { x1: m.l, x2: width - m.r, y1: py(t), y2: py(t), class: 'grid' }));
    svg.append(el('text', { x: m.l - 5, y: py(t) + 4, 'text-anchor': 'end', class: 'tick' }, label(t)));
  }
  svg.append(el('text', { x: (m.l + width - m.r) / 2, y: height - 6, 'text-anchor': 'middle', class: 'axis' }, xlabel));
  svg.append(el('text', { x: 12, y: (m.t + height - m.b) / 2, 'text-anchor': 'middle', class: 'axis',
    transform: `rotate(-90 12 ${(m.t + height - m.b) / 2})` }, ylabel));
  series.forEach((s, i) => {
    const points = s.x.map((x, j) => `${px(x).toFixed(1)},${py(s.y[j]).toFixed(1)}`).join(' ');
    svg.append(el('polyline', { points, fill: 'none', stroke: s.color, 'stroke-width': s.width ?? 2,
      'stroke-dasharray': s.dash ? '6 4' : 'none', 'stroke-opacity': 1 - 0.12 * (i % 5), 'data-label': s.label }));
    if (s.markers) s.x.forEach((x, j) => svg.append(el('circle', { cx: px(x), cy: py(s.y[j]), r: 2.5, fill: s.color })));
  });
  const legend = series.slice(0, 10);
  legend.forEach((s, i) => {
    const y = m.t + 10 + 13 * i;
    svg.append(el('line', { x1: width - m.r - 96, x2: width - m.r - 78, y1: y - 4, y2: y - 4, stroke: s.color,
      'stroke-width': s.width ?? 2, 'stroke-dasharray': s.dash ? '6 4' : 'none' }));
    svg.append(el('text', { x: width - m.r - 74, y, class: 'legend' }, s.label));
  });
  return svg;
}

/** A weight histogram (bin edges, counts) as a tiny bar chart with its range underneath. */
export function histogram(edges, counts, width = 160, height = 36) {
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, class: 'histogram', width, height });
  const top = Math.max(...counts, 1);
  const w = width / Math.max(counts.length, 1);
  counts.forEach((c, i) => {
    const h = c ? Math.max(1, (Math.sqrt(c) / Math.sqrt(top)) * (height - 2)) : 0;
    svg.append(el('rect', { x: i * w, y: height - h, width: Math.max(w - 0.5, 0.5), height: h },));
  });
  if (edges.length) svg.append(el('title', {}, `${edges[0].toPrecision(3)} … ${edges.at(-1).toPrecision(3)} (bar height ∝ √count)`));
  return svg;
}
