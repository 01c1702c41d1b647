// Scripted runs: the scenario files served from scenarios/ (the same files
// `kafkascope run` replays), the toolbar's Scenario picker and the info box
// over the canvas. Built with createElement + textContent only.

import { el } from './panels.js';

const INDEX_URL = 'scenarios/index.json';
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.json$/;
const URL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** "stale-controller-fenced.json" -> "stale-controller-fenced". */
export function scenarioKey(file) {
  return String(file).replace(/\.json$/, '');
}

/** The ?scenario=NAME of the page's URL (without .json), or null. */
export function scenarioFromUrl() {
  const raw = new URLSearchParams(window.location.search).get('scenario');
  if (raw === null) return null;
  const name = raw.trim().replace(/\.json$/, '');
  return name === '' ? null : name;
}

/** Writes ?scenario=NAME (or removes it for null) without a new history entry. */
export function writeScenarioToUrl(key) {
  const url = new URL(window.location.href);
  if (key) {
    url.searchParams.set('scenario', key);
    url.searchParams.delete('seed'); // the scenario brings its own seed
  } else {
    url.searchParams.delete('scenario');
  }
  window.history.replaceState(null, '', url);
}

async function fetchText(url) {
  const res = await fetch(url, { cache: 'no-cache' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

/**
 * Fetches scenarios/index.json and every file it names, once. Returns
 * [{file, key, name, description, text}] in the index's order; a file that
 * cannot be fetched or read is left out, and a missing index gives [].
 */
export async function loadCatalog() {
  let files;
  try {
    files = JSON.parse(await fetchText(INDEX_URL));
  } catch {
    return [];
  }
  if (!Array.isArray(files)) return [];
  const wanted = [...new Set(files.filter((f) => typeof f === 'string' && FILE_NAME.test(f)))];
  const entries = await Promise.all(
    wanted.map(async (file) => {
      try {
        const text = await fetchText(`scenarios/${file}`);
        const parsed = JSON.parse(text);
        const key = scenarioKey(file);
        const name = typeof parsed?.name === 'string' && parsed.name.trim() ? parsed.name.trim() : key;
        const description = typeof parsed?.description === 'string' ? parsed.description.trim() : '';
        return { file, key, name, description, text };
      } catch {
        return null;
      }
    }),
  );
  return entries.filter((e) => e !== null);
}

/** True when a ?scenario value is a plain name (no path, no query tricks). */
export function isScenarioKey(name) {
  return typeof name === 'string' && URL_NAME.test(name);
}

/** Fills the Scenario <select>: "Free play" (value "") then one option per scenario. */
export function fillScenarioSelect(select, catalog) {
  const free = el('option', null, 'Free play');
  free.value = '';
  free.title = 'Your own cluster: the seed and the Cluster config panel, driven by your clicks.';
  const options = [free];
  for (const s of catalog) {
    const opt = el('option', null, s.name);
    opt.value = s.key;
    opt.title = s.description || s.name;
    options.push(opt);
  }
  select.replaceChildren(...options);
  select.value = '';
  select.disabled = catalog.length === 0;
}

/** The small dismissable box over the canvas naming the loaded scenario. */
export class ScenarioInfo {
  constructor(root) {
    this.root = root;
    this.name = root.querySelector('#scenario-name');
    this.description = root.querySelector('#scenario-description');
    this.more = root.querySelector('#scenario-more');
    root.querySelector('#scenario-dismiss').addEventListener('click', () => this.hide());
    this.more.addEventListener('click', () => this.fold(!this.description.classList.contains('folded')));
  }

  /** Folds the description to a few lines, or unfolds it. */
  fold(folded) {
    this.description.classList.toggle('folded', folded);
    this.more.textContent = folded ? 'More' : 'Less';
    this.more.title = folded ? 'Show the whole description' : 'Fold the description to a few lines';
    this.more.setAttribute('aria-expanded', String(!folded));
  }

  /** Shows name and description (plain text), folded. */
  show(info) {
    this.name.textContent = info.name;
    this.description.textContent = info.description;
    this.description.hidden = !info.description;
    this.root.hidden = false;
    this.fold(true);
    // "More" only when the folded text is cut off.
    const d = this.description;
    this.more.hidden = d.hidden || d.scrollHeight <= d.clientHeight + 1;
  }

  hide() {
    this.root.hidden = true;
  }
}
