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
import {
  ScenarioInfo,
  addSwarmOption,
  fillScenarioSelect,
  isScenarioKey,
  loadCatalog,
  scenarioFromUrl,
  straySwarmOptions,
  swarmEntry,
  swarmFromUrl,
} from './scenarios.js';
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

/** Longest ?seed or ?scenario value quoted back in a message. */
const MAX_QUOTED = 80;

/** A URL value for a message: at most MAX_QUOTED characters. */
function quoted(raw) {
  const s = String(raw);
  return s.length > MAX_QUOTED ? `${s.slice(0, MAX_QUOTED)}…` : s;
}

/**
 * Reads ?seed=N: {seed, problem}. A missing value gives the default seed;
 * a bad one gives the default seed and a message saying so.
 */
function seedFromUrl() {
  const raw = new URLSearchParams(window.location.search).get('seed');
  if (raw === null) return { seed: DEFAULT_SEED, problem: null };
  const n = Number(raw.trim());
  if (/^\d+$/.test(raw.trim()) && Number.isSafeInteger(n)) return { seed: n, problem: null };
  return {
    seed: DEFAULT_SEED,
    problem: `?seed="${quoted(raw)}" is not a whole number from 0 to ${Number.MAX_SAFE_INTEGER}: using seed ${DEFAULT_SEED}.`,
  };
}

let sim = null;

/**
 * ?swarm=SEED[&unsafe=NAME][&mutation=NAME]: the fault swarm's run of that
 * seed, added to the catalog and the picker. Returns {entry, asked}; a bad
 * value adds a message to `problems` and gives no entry (free play).
 */
function startSwarm(wasm, problems) {
  const wanted = swarmFromUrl();
  if (wanted === null) {
    if (straySwarmOptions()) problems.push('?unsafe and ?mutation apply only with ?swarm=SEED: ignored.');
    return { entry: null, asked: false };
  }
  let entry;
  try {
    entry = swarmEntry(wasm, wanted);
  } catch (err) {
    problems.push(`${errorMessage(err).replace(/\.$/, '')}: starting free play.`);
    return { entry: null, asked: true };
  }
  sim.catalog.push(entry);
  addSwarmOption(els.scenario, entry);
  return { entry, asked: true };
}

function resize() {
  if (!sim?.app) return;
  const rect = els.stage.getBoundingClientRect();
  try {
    sim.app.resize(Math.max(1, rect.width), Math.max(1, rect.height), window.devicePixelRatio || 1);
  } catch (err) {
    sim.showError(err);
  }
}

/** The invariants badge: green while every rule holds, red naming the first broken one. */
function renderInvariants(status) {
  const badge = $('invariants');
  const v = status.violation;
  const text = v ? `invariant broken: ${v.rule}` : 'invariants hold';
  if (badge.textContent === text) return;
  badge.textContent = text;
  badge.classList.toggle('bad', Boolean(v));
  badge.dataset.seq = v ? String(v.log_seq) : '';
  badge.title = v
    ? `At ${(Number(v.at_ms) / 1000).toFixed(3)} s: ${v.rule}. ${v.detail}. This is a bug in the simulator (or one planted on purpose): click to jump to the event.`
    : badge.dataset.holds ?? badge.title;
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
    renderInvariants(status);
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
  const badge = $('invariants');
  badge.dataset.holds = badge.title;
  badge.addEventListener('click', () => {
    const seq = Number(badge.dataset.seq);
    if (badge.dataset.seq && !eventLog.reveal(seq)) {
      sim.showError(new Error('that event has scrolled out of the event log'));
    }
  });
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

  const { seed, problem } = seedFromUrl();
  els.seed.value = String(seed);
  sim.freeSeed = seed;
  const problems = problem ? [problem] : [];
  const swarm = startSwarm(wasm, problems);
  const wanted = scenarioFromUrl();
  let entry = wanted !== null && isScenarioKey(wanted) ? sim.catalog.find((s) => s.key === wanted) : undefined;
  if (swarm.entry) {
    if (wanted !== null) problems.push('?scenario and ?swarm both given: loading the swarm seed.');
    entry = swarm.entry;
  } else if (wanted !== null && !entry) {
    const known = sim.catalog.map((s) => s.key).join(', ');
    problems.push(
      `There is no scenario "${quoted(wanted)}"${known ? ` (the page knows ${known})` : ''}: starting free play.`,
    );
  }
  if (problems.length > 0) sim.showError(problems.join(' '));
  const started = entry ? sim.loadScenario(entry) : false;
  const asked = wanted !== null || swarm.asked;
  if (!started && !sim.resetFromForm({ keepBanner: asked || problems.length > 0 })) {
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
