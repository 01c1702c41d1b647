// User input: the toolbar and keyboard shortcuts. Every action becomes one
// Command JSON that goes through sim.apply (the one door into the simulation);
// the canvas popup menus are in menu.js.

// ---------------------------------------------------------------- speed

export const SPEED_MIN = 0.01;
export const SPEED_MAX = 1000;
const SLIDER_MAX = 1000; // slider positions: 200 per decade over 5 decades

/** Slider position (0..1000) -> speed, rounded to 2 significant digits. */
export function sliderToSpeed(position) {
  const t = Math.min(Math.max(Number(position), 0), SLIDER_MAX) / SLIDER_MAX;
  const raw = 10 ** (Math.log10(SPEED_MIN) + t * (Math.log10(SPEED_MAX) - Math.log10(SPEED_MIN)));
  return Math.min(Math.max(Number(raw.toPrecision(2)), SPEED_MIN), SPEED_MAX);
}

/** Speed -> slider position (0..1000). */
export function speedToSlider(speed) {
  const s = Math.min(Math.max(Number(speed) || 1, SPEED_MIN), SPEED_MAX);
  const t = (Math.log10(s) - Math.log10(SPEED_MIN)) / (Math.log10(SPEED_MAX) - Math.log10(SPEED_MIN));
  return Math.round(t * SLIDER_MAX);
}

/** 0.25 -> "0.25x", 12.5 -> "12.5x", 1000 -> "1000x". */
export function formatSpeed(speed) {
  const s = Number(speed);
  return `${Number(s.toPrecision(s < 1 ? 2 : 3))}x`;
}

// ---------------------------------------------------------------- toolbar

/** Wires the toolbar buttons, the speed slider and the seed/reset controls. */
export function setupToolbar(sim, els) {
  els.play.addEventListener('click', () => togglePlay(sim));
  els.step.addEventListener('click', () => sim.apply({ type: 'step' }));
  els.addBroker.addEventListener('click', () => sim.apply({ type: 'add_broker' }));
  els.speed.addEventListener('input', () => {
    const speed = sliderToSpeed(els.speed.value);
    els.speedLabel.textContent = formatSpeed(speed);
    sim.apply({ type: 'set_speed', speed }, { quiet: true });
  });
  els.reset.addEventListener('click', () => sim.resetFromForm());
  els.seed.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      sim.resetFromForm();
    }
  });
  // Mouse clicks should not leave focus on a button, or Space would press it.
  for (const b of [els.play, els.step, els.addBroker, els.reset]) {
    b.addEventListener('mouseup', () => b.blur());
  }
}

/** Shows the speed and paused state of a parsed status() on the toolbar. */
export function syncToolbar(els, status) {
  const paused = Boolean(status.paused);
  const label = paused ? 'Play' : 'Pause';
  if (els.play.textContent !== label) els.play.textContent = label;
  els.play.classList.toggle('paused', paused);
  els.play.setAttribute('aria-pressed', String(!paused));
  if (document.activeElement !== els.speed && typeof status.speed === 'number') {
    const pos = speedToSlider(status.speed);
    if (Number(els.speed.value) !== pos) els.speed.value = String(pos);
    els.speedLabel.textContent = formatSpeed(status.speed);
  }
}

function togglePlay(sim) {
  const status = sim.status();
  if (!status) return;
  sim.apply({ type: status.paused ? 'resume' : 'pause' });
}

// ---------------------------------------------------------------- keyboard

function isTextEntry(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && target.type !== 'range' && target.type !== 'button';
}

/** Space: play/pause; S or →: step; Escape: close the popup. */
export function setupKeyboard(sim, menu) {
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      if (menu.isOpen()) {
        menu.close();
        ev.preventDefault();
      }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (isTextEntry(ev.target) || menu.contains(ev.target)) return;
    if (ev.key === ' ' || ev.code === 'Space') {
      ev.preventDefault();
      if (!ev.repeat) togglePlay(sim);
    } else if (ev.key === 's' || ev.key === 'S') {
      ev.preventDefault();
      sim.apply({ type: 'step' });
    } else if (ev.key === 'ArrowRight') {
      if (ev.target instanceof HTMLInputElement && ev.target.type === 'range') return;
      ev.preventDefault();
      sim.apply({ type: 'step' });
    }
  });
}
