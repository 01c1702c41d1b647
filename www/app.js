// kafkascope's page: loads the WebAssembly simulation, runs the animation
// loop (one app.frame call per animation frame) and, at a lower rate, polls
// status and events for the panels.

import {
  ConfigPanel,
  ErrorBanner,
  EventLog,
  errorMessage,
  median,
  renderLegend,
  renderStatus,
} from './panels.js';
import { setupKeyboard, setupToolbar, syncToolbar } from './controls.js';
import { CanvasMenu } from './menu.js';
import { setupStorageLab } from './inspector.js';

const DEFAULT_SEED = 42;
const POLL_MS = 200; // panels refresh 5 times a second, not every frame
const FRAME_SAMPLES = 600; // frame durations kept for the benchmark
const MEDIAN_WINDOW = 120;

const $ = (id) => document.getElementById(id);

const els = {
  play: $('play'),
  step: $('step'),
  speed: $('speed'),
  speedLabel: $('speed-label'),
  addBroker: $('add-broker'),
  seed: $('seed'),
  reset: $('reset'),
  time: $('status-time'),
  controller: $('status-controller'),
  brokers: $('status-brokers'),
  lastAction: $('last-action'),
  frameTime: $('frame-time'),
  canvas: $('cluster'),
  stage: $('stage'),
  popup: $('popup'),
  loading: $('loading'),
  legend: $('legend'),
  log: $('event-log'),
  eventCount: $('event-count'),
  configForm: $('config-form'),
};

const banner = new ErrorBanner($('error-banner'));
const eventLog = new EventLog(els.log, els.eventCount);
const frameTimes = [];

/** Reads ?seed=N; a missing or bad value gives the default seed. */
function seedFromUrl() {
  const raw = new URLSearchParams(window.location.search).get('seed');
  if (raw === null || !/^\d+$/.test(raw.trim())) return DEFAULT_SEED;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : DEFAULT_SEED;
}

function writeSeedToUrl(seed) {
  const url = new URL(window.location.href);
  url.searchParams.set('seed', String(seed));
  window.history.replaceState(null, '', url);
}

/** The page's handle on the simulation: the one door for every action. */
class Sim {
  constructor(wasm) {
    this.wasm = wasm;
    this.app = null;
    this.config = null;
    this.frameHalted = false;
    this.lastActionTimer = 0;
  }

  showError(err) {
    banner.show(errorMessage(err));
  }

  /** Parsed status(), or null. */
  status() {
    if (!this.app) return null;
    try {
      return JSON.parse(this.app.status());
    } catch (err) {
      this.showError(err);
      return null;
    }
  }

  /** Applies one command; returns its message, or null after showing the error. */
  apply(command, { quiet = false } = {}) {
    if (!this.app) return null;
    let message;
    try {
      message = this.app.apply(JSON.stringify(command));
    } catch (err) {
      this.showError(err);
      return null;
    }
    if (!quiet && message) this.note(String(message));
    refresh();
    return message ?? '';
  }

  note(text) {
    els.lastAction.textContent = text;
    els.lastAction.classList.add('fresh');
    clearTimeout(this.lastActionTimer);
    this.lastActionTimer = setTimeout(() => els.lastAction.classList.remove('fresh'), 1500);
  }

  /** Builds a new App; keeps the old one if the new config is rejected. */
  reset(seed, configJson) {
    let next;
    try {
      next = new this.wasm.App(els.canvas, seed, configJson);
    } catch (err) {
      this.showError(err);
      return false;
    }
    const old = this.app;
    this.app = next;
    if (old) {
      try {
        old.free();
      } catch {
        // already gone
      }
    }
    this.frameHalted = false;
    this.lastFrameError = null;
    window.kafkascope.app = next;
    window.kafkascope.seed = seed;
    els.seed.value = String(seed);
    writeSeedToUrl(seed);
    eventLog.clear();
    resize();
    refresh();
    return true;
  }

  resetFromForm() {
    const raw = els.seed.value.trim();
    const seed = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(seed)) {
      this.showError(`Seed must be a whole number ≥ 0, got "${raw}"`);
      return false;
    }
    let configJson;
    try {
      configJson = this.config ? this.config.toJson() : '';
    } catch (err) {
      this.showError(err);
      return false;
    }
    const ok = this.reset(seed, configJson);
    if (ok) {
      banner.hide();
      this.note(`new cluster from seed ${seed}`);
    }
    return ok;
  }
}

let sim = null;

function resize() {
  if (!sim?.app) return;
  const rect = els.stage.getBoundingClientRect();
  try {
    sim.app.resize(Math.max(1, rect.width), Math.max(1, rect.height), window.devicePixelRatio || 1);
  } catch (err) {
    sim.showError(err);
  }
}

/** Panels: status read-out, toolbar state, new events, frame time. */
function refresh() {
  if (!sim?.app) return;
  const status = sim.status();
  if (status) {
    renderStatus(els, status);
    syncToolbar(els, status);
  }
  try {
    eventLog.append(JSON.parse(sim.app.events_since(eventLog.nextSeq)));
  } catch (err) {
    sim.showError(err);
  }
  const m = median(frameTimes, MEDIAN_WINDOW);
  els.frameTime.textContent = Number.isFinite(m) ? `frame ${m.toFixed(2)} ms` : 'frame –';
}

function loop(ts) {
  if (sim.app && !sim.frameHalted) {
    const t0 = performance.now();
    try {
      sim.app.frame(ts);
      const dt = performance.now() - t0;
      frameTimes.push(dt);
      if (frameTimes.length > FRAME_SAMPLES) frameTimes.splice(0, frameTimes.length - FRAME_SAMPLES);
    } catch (err) {
      // Show it once and stop painting until Reset, rather than fail every frame.
      sim.frameHalted = true;
      sim.showError(`The simulation stopped: ${errorMessage(err)}. Press Reset to start again.`);
    }
  }
  requestAnimationFrame(loop);
}

async function main() {
  window.kafkascope = { app: null, ready: false, frameTimes };
  let wasm;
  try {
    wasm = await import('./pkg/kafkascope.js');
    await wasm.default();
  } catch (err) {
    els.loading.textContent = 'Could not load the simulation.';
    banner.show(
      `Could not load the WebAssembly module www/pkg/kafkascope.js (${errorMessage(err)}). Build it with scripts/run.`,
    );
    return;
  }

  sim = new Sim(wasm);
  window.kafkascope.apply = (command) => sim.apply(command);
  window.kafkascope.reset = () => sim.resetFromForm();

  try {
    renderLegend(els.legend, JSON.parse(wasm.legend()));
  } catch (err) {
    sim.showError(err);
  }
  try {
    sim.config = new ConfigPanel(els.configForm, JSON.parse(wasm.default_config()));
  } catch (err) {
    sim.showError(err);
  }

  setupToolbar(sim, els);
  const menu = new CanvasMenu(sim, els.canvas, els.popup, els.stage);
  setupKeyboard(sim, menu);
  window.kafkascope.storageLab = setupStorageLab(wasm, $('storage-lab'), $('lab'), (err) => sim.showError(err));

  new ResizeObserver(() => resize()).observe(els.stage);
  window.addEventListener('resize', () => resize());

  const seed = seedFromUrl();
  els.seed.value = String(seed);
  if (!sim.resetFromForm()) {
    // The form's config was rejected: fall back to the app's own default.
    sim.reset(seed, '');
  }
  els.lastAction.textContent = '';
  els.loading.hidden = true;

  setInterval(refresh, POLL_MS);
  requestAnimationFrame(loop);
  window.kafkascope.ready = sim.app !== null;
}

main().catch((err) => banner.show(`kafkascope failed to start: ${errorMessage(err)}`));
