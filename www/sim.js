// The page's handle on the simulation, the one door for every action: it
// holds the running wasm App, applies commands and shows their outcome,
// builds a new App for free play (seed + cluster config) or replays a
// scenario from the catalog (a file, or a fault-swarm seed), and keeps the
// toolbar and config panel in step with which of the two is running.

import { errorMessage } from './panels.js';
import { writeScenarioToUrl } from './scenarios.js';

/** The seed of free play when the URL names none. */
export const DEFAULT_SEED = 42;

function writeSeedToUrl(seed) {
  const url = new URL(window.location.href);
  url.searchParams.set('seed', String(seed));
  window.history.replaceState(null, '', url);
}

/** The page's handle on the simulation: the one door for every action. */
export class Sim {
  /**
   * `page` holds what the page owns: its elements (els), the error banner,
   * the event log, the scenario story box, and refresh() and resize().
   */
  constructor(wasm, page) {
    this.wasm = wasm;
    this.page = page;
    this.els = page.els;
    // The toolbar's free-play wording, put back when leaving a scenario.
    this.freeText = { reset: page.els.reset.title, seed: page.els.seed.title, config: page.els.configHint.textContent };
    this.app = null;
    this.config = null;
    this.frameHalted = false;
    this.lastActionTimer = 0;
    this.catalog = []; // scenarios from scenarios/index.json, and a ?swarm run
    this.scenario = null; // the catalog entry loaded, or null in free play
    this.freeSeed = DEFAULT_SEED; // free play's seed, back when leaving a scenario
  }

  showError(err) {
    this.page.banner.show(errorMessage(err));
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
    this.page.refresh();
    return message ?? '';
  }

  note(text) {
    this.els.lastAction.textContent = text;
    this.els.lastAction.classList.add('fresh');
    clearTimeout(this.lastActionTimer);
    this.lastActionTimer = setTimeout(() => this.els.lastAction.classList.remove('fresh'), 1500);
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
    this.page.eventLog.clear();
    this.page.resize();
    // A new world starts at the default speed: keep the one the user had.
    if (typeof speed === 'number' && Number.isFinite(speed)) {
      try {
        const fresh = JSON.parse(next.status()).speed;
        if (fresh !== speed) next.apply(JSON.stringify({ type: 'set_speed', speed }));
      } catch (err) {
        this.showError(err);
      }
    }
    this.page.refresh();
  }

  /** Free play: builds a new App; keeps the old one if the new config is rejected. */
  reset(seed, configJson) {
    let next;
    try {
      next = new this.wasm.App(this.els.canvas, seed, configJson);
    } catch (err) {
      this.showError(err);
      return false;
    }
    this.scenario = null;
    this.freeSeed = seed;
    this.install(next);
    window.kafkascope.seed = seed;
    window.kafkascope.scenario = null;
    this.els.seed.value = String(seed);
    writeSeedToUrl(seed);
    writeScenarioToUrl(null);
    this.syncMode();
    return true;
  }

  /** Replays a scenario from the catalog; keeps the old App if the file is rejected. */
  loadScenario(entry, { showInfo = true } = {}) {
    let next;
    try {
      next = this.wasm.App.fromScenario(this.els.canvas, entry.text);
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
    const description = typeof info?.description === 'string' ? info.description : entry.description;
    const shown = {
      name: typeof info?.name === 'string' && info.name ? info.name : entry.name,
      // A swarm run's note says what its unsafe setting or planted bug does.
      description: entry.note ? `${description} ${entry.note}` : description,
      section: entry.section,
    };
    const seed = this.status()?.seed;
    window.kafkascope.seed = typeof seed === 'number' ? seed : null;
    window.kafkascope.scenario = entry.key;
    if (typeof seed === 'number') this.els.seed.value = String(seed);
    writeScenarioToUrl(entry);
    this.syncMode();
    if (showInfo) this.page.scenarioInfo.show(shown);
    this.note(`scenario "${shown.name}" from its start`);
    return true;
  }

  /** The toolbar and config panel for free play or a loaded scenario. */
  syncMode() {
    const scripted = this.scenario !== null;
    this.els.scenario.value = scripted ? this.scenario.key : '';
    this.els.seed.disabled = scripted;
    this.els.seed.title = scripted
      ? 'The scenario brings its own seed. Choose Free play in Scenario to pick a seed.'
      : this.freeText.seed;
    this.els.reset.title = scripted
      ? 'Run the scenario again from its start: the same seed, config and timed commands.'
      : this.freeText.reset;
    for (const control of this.els.configForm.elements) control.disabled = scripted;
    this.els.configHint.textContent = scripted ? '(set by the scenario)' : this.freeText.config;
    if (!scripted) this.page.scenarioInfo.hide();
  }

  /** The Scenario picker: "" is free play, anything else a catalog key. */
  choose(key) {
    if (!key) {
      if (!this.scenario) return true;
      const previous = this.els.seed.value;
      this.els.seed.value = String(this.freeSeed);
      const entry = this.scenario;
      this.scenario = null;
      if (this.resetFromForm()) return true;
      this.scenario = entry; // the free-play config was rejected: stay in the scenario
      this.els.seed.value = previous;
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
    if (ok) this.page.banner.hide();
    else this.syncMode(); // put the picker back on what is running
    return ok;
  }

  /** Reset: the same scenario again, or a free-play cluster from the seed and config. */
  resetFromForm({ keepBanner = false } = {}) {
    if (this.scenario) {
      const ok = this.loadScenario(this.scenario, { showInfo: false });
      if (ok && !keepBanner) this.page.banner.hide();
      return ok;
    }
    const raw = this.els.seed.value.trim();
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
      if (!keepBanner) this.page.banner.hide();
      this.note(`new cluster from seed ${seed}`);
    }
    return ok;
  }
}
