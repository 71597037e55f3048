// A big rotary knob built around an <input type="range"> (keyboard and screen readers keep working).
// Drag up/down, scroll, or use arrow keys; double-click resets to the default.
const SWEEP = 270;

export function makeKnob(el, onChange) {
  const { control, min, max, step, value, unit, label } = el.dataset;
  el.innerHTML = `<div class="dial"><div class="cap"><div class="pointer"></div></div></div>
    <input type="range" aria-label="${label}" min="${min}" max="${max}" step="${step}" value="${value}" data-control="${control}">
    <span class="knob-label">${label}</span><span class="knob-value"></span>`;
  const input = el.querySelector('input');
  const dial = el.querySelector('.dial');
  const shown = el.querySelector('.knob-value');
  const lo = Number(min);
  const hi = Number(max);
  const render = () => {
    const v = Number(input.value);
    const angle = -SWEEP / 2 + SWEEP * (v - lo) / (hi - lo);
    dial.style.setProperty('--angle', `${angle}deg`);
    dial.style.setProperty('--fill', `${(v - lo) / (hi - lo)}`);
    shown.textContent = `${unit === 'dB' && v > 0 ? '+' : ''}${v.toFixed(step < 1 ? 1 : 0)}${unit ? ` ${unit}` : ''}`;
  };
  const set = (v) => {
    const snapped = Math.round(Math.min(hi, Math.max(lo, v)) / Number(step)) * Number(step);
    if (Number(input.value) === snapped) return;
    input.value = snapped;
    render();
    onChange(control, Number(input.value));
  };
  input.addEventListener('input', () => { render(); onChange(control, Number(input.value)); });
  dial.addEventListener('pointerdown', (e) => {
    dial.setPointerCapture(e.pointerId);
    const startY = e.clientY;
    const startV = Number(input.value);
    const move = (m) => set(startV + (startY - m.clientY) / 200 * (hi - lo) * (m.shiftKey ? 0.2 : 1));
    const up = () => { dial.removeEventListener('pointermove', move); dial.removeEventListener('pointerup', up); };
    dial.addEventListener('pointermove', move);
    dial.addEventListener('pointerup', up);
  });
  dial.addEventListener('wheel', (e) => { e.preventDefault(); set(Number(input.value) - Math.sign(e.deltaY) * Number(step) * 2); });
  dial.addEventListener('dblclick', () => set(Number(value)));
  render();
  return { input, set };
}
