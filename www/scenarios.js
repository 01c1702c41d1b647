// Scripted runs: the scenario files served from scenarios/ (the same files
// `kafkascope run` replays), a fault-swarm seed from ?swarm=SEED (the plan
// `kafkascope check` runs, built by the wasm module), the toolbar's Scenario
// picker and the info box over the canvas. Built with createElement +
// textContent only.

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

/** The URL parameters of a fault-swarm run: ?swarm=SEED&unsafe=NAME&mutation=NAME. */
const SWARM_PARAMS = ['swarm', 'unsafe', 'mutation'];
/** Longest ?unsafe or ?mutation value passed on (every real name is shorter). */
const MAX_SWARM_NAME = 64;

/**
 * Writes what is running to the URL without a new history entry: a
 * catalog entry as ?scenario=NAME, a swarm seed as ?swarm=SEED (with
 * &unsafe= and &mutation= when set), free play (null) as neither.
 */
export function writeScenarioToUrl(entry) {
  const url = new URL(window.location.href);
  url.searchParams.delete('scenario');
  for (const p of SWARM_PARAMS) url.searchParams.delete(p);
  if (entry?.swarm) {
    const { seed, unsafe, mutation } = entry.swarm;
    url.searchParams.set('swarm', String(seed));
    if (unsafe) url.searchParams.set('unsafe', unsafe);
    if (mutation) url.searchParams.set('mutation', mutation);
  } else if (entry) {
    url.searchParams.set('scenario', entry.key);
  }
  if (entry) url.searchParams.delete('seed'); // the scenario brings its own seed
  window.history.replaceState(null, '', url);
}

/**
 * The ?swarm=SEED&unsafe=NAME&mutation=NAME of the page's URL as raw
 * strings ({seed, unsafe, mutation}, '' when absent), or null without ?swarm.
 */
export function swarmFromUrl() {
  const params = new URLSearchParams(window.location.search);
  const seed = params.get('swarm');
  if (seed === null) return null;
  const name = (p) => (params.get(p) ?? '').trim();
  return { seed: seed.trim(), unsafe: name('unsafe'), mutation: name('mutation') };
}

/** True when the URL has ?unsafe or ?mutation without ?swarm. */
export function straySwarmOptions() {
  const params = new URLSearchParams(window.location.search);
  return !params.has('swarm') && (params.has('unsafe') || params.has('mutation'));
}

/** "Swarm seed 1234 (unsafe acks1, mutation hw-without-isr)": the picker's label for a swarm run. */
export function swarmLabel({ seed, unsafe, mutation }) {
  const extras = [unsafe && `unsafe ${unsafe}`, mutation && `mutation ${mutation}`].filter(Boolean);
  return `Swarm seed ${seed}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

/**
 * A catalog entry for the fault swarm's plan of a seed (the run
 * `kafkascope check --seeds 1 --from SEED` checks), built by the wasm
 * module's swarmScenario. `wanted` holds raw strings as swarmFromUrl gives
 * them. Throws an Error with a message for the page when a value is bad.
 */
export function swarmEntry(wasm, wanted) {
  const raw = String(wanted.seed);
  const seed = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(seed)) {
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
    throw new Error(`?swarm="${shown}" is not a seed (a whole number from 0 to ${Number.MAX_SAFE_INTEGER})`);
  }
  const names = {};
  for (const p of ['unsafe', 'mutation']) {
    const v = String(wanted[p] ?? '');
    if (v.length > MAX_SWARM_NAME) throw new Error(`?${p}= is ${v.length} characters long: no ${p} name is`);
    names[p] = v;
  }
  let text;
  try {
    text = wasm.swarmScenario(seed, names.unsafe, names.mutation);
  } catch (err) {
    throw new Error(`?swarm=${seed}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const swarm = { seed, unsafe: names.unsafe, mutation: names.mutation };
  const parsed = JSON.parse(text);
  const flags = [
    swarm.unsafe && `--unsafe ${swarm.unsafe}`,
    swarm.mutation && `--mutation ${swarm.mutation}`,
  ].filter(Boolean);
  const notes = [];
  if (swarm.unsafe) {
    notes.push(`Unsafe setting ${swarm.unsafe}: Kafka loses acknowledged records under it (watch "acked but lost").`);
  }
  if (swarm.mutation) notes.push(`Planted bug ${swarm.mutation}: the invariants badge should turn red.`);
  if (flags.length) notes.push(`On the command line: kafkascope check --seeds 1 --from ${seed} ${flags.join(' ')}.`);
  return {
    file: `?swarm=${seed}`,
    key: `swarm:${seed}:${swarm.unsafe}:${swarm.mutation}`,
    name: typeof parsed?.name === 'string' && parsed.name ? parsed.name : `swarm seed ${seed}`,
    description: typeof parsed?.description === 'string' ? parsed.description : '',
    note: notes.join(' '),
    section: 'Fault swarm',
    label: swarmLabel(swarm),
    text,
    swarm,
  };
}

/** Adds (or replaces) the picker's option for a swarm run, under a "Fault swarm" heading. */
export function addSwarmOption(select, entry) {
  select.querySelector('optgroup.swarm-options')?.remove();
  const group = el('optgroup', 'swarm-options');
  group.label = 'Fault swarm';
  const opt = el('option', null, entry.label);
  opt.value = entry.key;
  opt.title = entry.description || entry.name;
  group.append(opt);
  select.append(group);
  select.disabled = false;
}

async function fetchText(url) {
  const res = await fetch(url, { cache: 'no-cache' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

/**
 * Fetches scenarios/index.json and every file it names, once. Returns
 * [{file, key, name, description, section, text}] in the index's order
 * (section: the picker's heading for it, e.g. "Known losses, on purpose",
 * or ''); a file that
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
        const section = typeof parsed?.section === 'string' ? parsed.section.trim() : '';
        return { file, key, name, description, section, text };
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

/**
 * Fills the Scenario <select>: "Free play" (value "") then one option per
 * scenario, those without a section first, then one <optgroup> per section
 * (e.g. "Known losses, on purpose") in the order the index first names it.
 */
export function fillScenarioSelect(select, catalog) {
  const free = el('option', null, 'Free play');
  free.value = '';
  free.title = 'Your own cluster: the seed and the Cluster config panel, driven by your clicks.';
  const options = [free];
  const sections = new Map();
  for (const s of catalog) {
    const opt = el('option', null, s.name);
    opt.value = s.key;
    opt.title = s.description || s.name;
    if (!s.section) {
      options.push(opt);
      continue;
    }
    if (!sections.has(s.section)) {
      const group = el('optgroup');
      group.label = s.section;
      sections.set(s.section, group);
    }
    sections.get(s.section).append(opt);
  }
  select.replaceChildren(...options, ...sections.values());
  select.value = '';
  select.disabled = catalog.length === 0;
}

/** The small dismissable box over the canvas naming the loaded scenario. */
export class ScenarioInfo {
  constructor(root) {
    this.root = root;
    this.tag = root.querySelector('.scenario-tag');
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

  /** Shows section, name and description (plain text), folded. */
  show(info) {
    this.tag.textContent = info.section || 'Scenario';
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
