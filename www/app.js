// kafkascope's page: loads the WebAssembly simulation, wires the panels,
// menus and storage lab to it (the handle on it is sim.js), runs the
// animation loop (one app.frame call per animation frame) and, at a lower
// rate, polls status and events for the panels.

import {
  ErrorBanner,
  EventLog,
  errorMessage,
  median,
  renderLegend,
  renderStatus,
} from './panels.js';
import { ConfigPanel } from './config.js';
import { setupKeyboard, setupToolbar, syncToolbar } from './controls.js';
import { CanvasMenu } from './menu.js';
import { DataPanel, LostRecords } from './data.js';
import { DataForms } from './data-forms.js';
import { groupForms } from './group-forms.js';
import { GroupsPanel } from './groups.js';
import { LagHistory } from './lag-chart.js';
import { setupStorageLab } from './inspector.js';
import { ScenarioInfo, fillScenarioSelect, isScenarioKey, loadCatalog, scenarioFromUrl } from './scenarios.js';
import { DEFAULT_SEED, Sim } from './sim.js';

Object.assign(DataForms.prototype, groupForms);

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
  addGroup: $('add-group'),
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

const banner = new ErrorBanner($('error-banner'));
const eventLog = new EventLog(els.log, els.eventCount);
const scenarioInfo = new ScenarioInfo($('scenario-info'));
const frameTimes = [];
const lagHistory = new LagHistory();
let dataPanel = null;
let groupsPanel = null;
let lostRecords = null;

/** Reads ?seed=N; a missing or bad value gives the default seed. */
function seedFromUrl() {
  const raw = new URLSearchParams(window.location.search).get('seed');
  if (raw === null || !/^\d+$/.test(raw.trim())) return DEFAULT_SEED;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : DEFAULT_SEED;
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
    lagHistory.sample(status);
    groupsPanel?.render(status);
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

  sim = new Sim(wasm, { els, banner, eventLog, scenarioInfo, refresh, resize });
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
  els.addGroup.addEventListener('click', () => forms.openGroup());
  for (const b of [els.addTopic, els.addProducer, els.addGroup]) b.addEventListener('mouseup', () => b.blur());
  const storage = setupStorageLab(wasm, $('storage-lab'), $('lab'), (err) => sim.showError(err));
  window.kafkascope.storageLab = storage;
  const menu = new CanvasMenu(sim, els.canvas, els.popup, els.stage, { forms, storage });
  groupsPanel = new GroupsPanel(sim, $('groups-panel'), { forms, menu, history: lagHistory });
  window.kafkascope.lagHistory = lagHistory;
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
