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
import { DataForms, DataPanel, LostRecords } from './data.js';
import { setupStorageLab } from './inspector.js';
import {
  ScenarioInfo,
  fillScenarioSelect,
  isScenarioKey,
  loadCatalog,
  scenarioFromUrl,
  writeScenarioToUrl,
} from './scenarios.js';

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
  addTopic: $('add-topic'),
  addProducer: $('add-producer'),
  seed: $('seed'),
  reset: $('reset'),
  scenario: $('scenario'),
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
  configHint: $('config-hint'),
};

const RESET_TITLE = els.reset.title;
const SEED_TITLE = els.seed.title;
const CONFIG_HINT = els.configHint.textContent;

const banner = new ErrorBanner($('error-banner'));
const eventLog = new EventLog(els.log, els.eventCount);
const scenarioInfo = new ScenarioInfo($('scenario-info'));
const frameTimes = [];
let dataPanel = null;
let lostRecords = null;

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
    this.catalog = []; // scenarios from scenarios/index.json
    this.scenario = null; // the catalog entry loaded, or null in free play
    this.freeSeed = DEFAULT_SEED; // free play's seed, back when leaving a scenario
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

  /** Makes `next` the running App: frees the old one, keeps its speed, clears the log. */
  install(next) {
    const old = this.app;
    let speed = null;
    if (old) {
      try {
        speed = JSON.parse(old.status()).speed;
      } catch {
        speed = null;
      }
    }
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
    eventLog.clear();
    resize();
    // A new world starts at the default speed: keep the one the user had.
    if (typeof speed === 'number' && Number.isFinite(speed)) {
      try {
        const fresh = JSON.parse(next.status()).speed;
        if (fresh !== speed) next.apply(JSON.stringify({ type: 'set_speed', speed }));
      } catch (err) {
        this.showError(err);
      }
    }
    refresh();
  }

  /** Free play: builds a new App; keeps the old one if the new config is rejected. */
  reset(seed, configJson) {
    let next;
    try {
      next = new this.wasm.App(els.canvas, seed, configJson);
    } catch (err) {
      this.showError(err);
      return false;
    }
    this.scenario = null;
    this.freeSeed = seed;
    this.install(next);
    window.kafkascope.seed = seed;
    window.kafkascope.scenario = null;
    els.seed.value = String(seed);
    writeSeedToUrl(seed);
    writeScenarioToUrl(null);
    this.syncMode();
    return true;
  }

  /** Replays a scenario from the catalog; keeps the old App if the file is rejected. */
  loadScenario(entry, { showInfo = true } = {}) {
    let next;
    try {
      next = this.wasm.App.fromScenario(els.canvas, entry.text);
    } catch (err) {
      this.showError(`Scenario ${entry.file}: ${errorMessage(err)}`);
      return false;
    }
    this.scenario = entry;
    this.install(next);
    let info = null;
    try {
      info = JSON.parse(next.scenario());
    } catch {
      info = null;
    }
    const shown = {
      name: typeof info?.name === 'string' && info.name ? info.name : entry.name,
      description: typeof info?.description === 'string' ? info.description : entry.description,
    };
    const seed = this.status()?.seed;
    window.kafkascope.seed = typeof seed === 'number' ? seed : null;
    window.kafkascope.scenario = entry.key;
    if (typeof seed === 'number') els.seed.value = String(seed);
    writeScenarioToUrl(entry.key);
    this.syncMode();
    if (showInfo) scenarioInfo.show(shown);
    this.note(`scenario "${shown.name}" from its start`);
    return true;
  }

  /** The toolbar and config panel for free play or a loaded scenario. */
  syncMode() {
    const scripted = this.scenario !== null;
    els.scenario.value = scripted ? this.scenario.key : '';
    els.seed.disabled = scripted;
    els.seed.title = scripted
      ? 'The scenario brings its own seed. Choose Free play in Scenario to pick a seed.'
      : SEED_TITLE;
    els.reset.title = scripted
      ? 'Run the scenario again from its start: the same seed, config and timed commands.'
      : RESET_TITLE;
    for (const control of els.configForm.elements) control.disabled = scripted;
    els.configHint.textContent = scripted ? '(set by the scenario)' : CONFIG_HINT;
    if (!scripted) scenarioInfo.hide();
  }

  /** The Scenario picker: "" is free play, anything else a catalog key. */
  choose(key) {
    if (!key) {
      if (!this.scenario) return true;
      const previous = els.seed.value;
      els.seed.value = String(this.freeSeed);
      const entry = this.scenario;
      this.scenario = null;
      if (this.resetFromForm()) return true;
      this.scenario = entry; // the free-play config was rejected: stay in the scenario
      els.seed.value = previous;
      this.syncMode();
      return false;
    }
    const entry = this.catalog.find((s) => s.key === key);
    if (!entry) {
      this.showError(`There is no scenario "${key}".`);
      this.syncMode();
      return false;
    }
    const ok = this.loadScenario(entry);
    if (ok) banner.hide();
    else this.syncMode(); // put the picker back on what is running
    return ok;
  }

  /** Reset: the same scenario again, or a free-play cluster from the seed and config. */
  resetFromForm({ keepBanner = false } = {}) {
    if (this.scenario) {
      const ok = this.loadScenario(this.scenario, { showInfo: false });
      if (ok && !keepBanner) banner.hide();
      return ok;
    }
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
      if (!keepBanner) banner.hide();
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
    dataPanel?.render(status);
    lostRecords?.render(status);
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
  const forms = new DataForms(sim, $('form-panel'));
  dataPanel = new DataPanel(sim, $('data-panel'), forms);
  lostRecords = new LostRecords(sim, $('acked-lost'), $('lost-dialog'));
  els.addTopic.addEventListener('click', () => forms.openTopic());
  els.addProducer.addEventListener('click', () => forms.openProducer());
  for (const b of [els.addTopic, els.addProducer]) b.addEventListener('mouseup', () => b.blur());
  const storage = setupStorageLab(wasm, $('storage-lab'), $('lab'), (err) => sim.showError(err));
  window.kafkascope.storageLab = storage;
  const menu = new CanvasMenu(sim, els.canvas, els.popup, els.stage, { forms, storage });
  setupKeyboard(sim, menu);

  new ResizeObserver(() => resize()).observe(els.stage);
  window.addEventListener('resize', () => resize());

  sim.catalog = await loadCatalog();
  fillScenarioSelect(els.scenario, sim.catalog);
  els.scenario.addEventListener('change', () => sim.choose(els.scenario.value));

  const seed = seedFromUrl();
  els.seed.value = String(seed);
  sim.freeSeed = seed;
  const wanted = scenarioFromUrl();
  let started = false;
  if (wanted !== null) {
    const entry = isScenarioKey(wanted) ? sim.catalog.find((s) => s.key === wanted) : undefined;
    if (entry) {
      started = sim.loadScenario(entry);
    } else {
      const known = sim.catalog.map((s) => s.key).join(', ');
      sim.showError(
        `There is no scenario "${wanted}"${known ? ` (the page knows ${known})` : ''}: starting free play.`,
      );
    }
  }
  if (!started && !sim.resetFromForm({ keepBanner: wanted !== null })) {
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
