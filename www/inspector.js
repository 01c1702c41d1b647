// The storage lab: one partition's folder as Kafka lays it out on disk
// (segments named by base offset, each a .log of record batches with a
// sparse .index and .timeindex) and an animated walk through how Kafka
// finds an offset. The log itself lives in the wasm StorageLab; this
// module keeps the drawer's state, calls the lab and redraws from its JSON.
// The DOM builders are in lab-dom.js, the lookup steps in lab-lookup.js.

import { el, errorMessage } from './panels.js';
import {
  CLEAN_OFF_TIP,
  CLEAN_TIP,
  CONFIG_TIPS,
  batchCard,
  buildSkeleton,
  bytes,
  clock,
  fillIndexTable,
  scrollIntoContainer,
  segmentGroup,
  partitionFile,
  summarizeChange,
} from './lab-dom.js';
import { StepPlayer, emptyMarks, lookupSteps } from './lab-lookup.js';

const DEFAULT_PRESET = 'notes';
const NOTES_FIND_OFFSET = 368801; // the notes' example
const PAGE_BATCHES = 20; // batches drawn at once
const MAX_INDEX_ROWS = 500; // index entries drawn at once
const FLASH_MS = 1800; // how long a deleted segment stays on screen, fading
const LAB_LOG_MAX = 300; // lines kept in the lab log
const IDLE_CAPTION = 'Type an offset and press Find to watch Kafka locate it.';

function parseJson(text) {
  return JSON.parse(String(text));
}

/** Wires the toolbar button to a lazily built storage lab; returns it (or null without StorageLab). */
export function setupStorageLab(wasm, toggle, root, showError) {
  if (typeof wasm.StorageLab !== 'function') {
    toggle.disabled = true;
    toggle.title = 'The storage lab needs a build of the simulation that exports StorageLab: rebuild www/pkg.';
    return null;
  }
  const lab = new StorageInspector(wasm.StorageLab, toggle, root, showError);
  toggle.addEventListener('click', () => (lab.isOpen() && lab.mode === 'lab' ? lab.close() : lab.openLab()));
  toggle.addEventListener('mouseup', () => toggle.blur());
  return lab;
}

/** The storage lab drawer. */
export class StorageInspector {
  constructor(StorageLab, toggle, root, showError) {
    this.StorageLab = StorageLab;
    this.toggle = toggle;
    this.root = root;
    this.showError = showError;
    this.els = null;
    this.lab = null;
    this.presets = [];
    this.view = null;
    this.selected = null; // base offset of the selected segment
    this.page = 0;
    this.pageData = null;
    this.pageStarts = new Map(); // page -> position of its first batch, for the selected segment
    this.indexData = null;
    this.indexWindow = { index: 0, timeindex: 0 };
    this.expanded = new Set(); // batch positions whose records are all shown
    this.prevFiles = null; // file name -> bytes at the last refresh
    this.prevSegments = null; // base offset -> segment view at the last refresh
    this.mark = emptyMarks();
    this.player = null;
    this.mode = 'lab'; // 'lab': a preset; 'replica': a copy of a replica's log from the cluster
    this.replica = null; // { app, broker, topic, partition } in replica mode
  }

  /** Opens the drawer on the lab's presets (leaving a replica's folder). */
  openLab() {
    if (this.els && this.mode !== 'lab') this.loadPreset(DEFAULT_PRESET);
    this.open();
  }

  /** Opens the drawer on a replica's log: a read-only copy taken now from the cluster. */
  openReplica(app, broker, topic, partition) {
    if (!this.els) this.build();
    this.replica = { app, broker, topic, partition };
    if (!this.loadReplica(true)) return false;
    this.open();
    return true;
  }

  /** (Re)reads the replica's log copy; false after showing why it could not. */
  loadReplica(first) {
    const r = this.replica;
    let next;
    try {
      next = r.app.replica_storage(r.broker, r.topic, r.partition);
    } catch (err) {
      this.showError(`${r.topic}-${r.partition} on broker ${r.broker}: ${errorMessage(err)}`);
      return false;
    }
    this.stopFind();
    if (this.lab) {
      try {
        this.lab.free();
      } catch {
        // already gone
      }
    }
    this.lab = next;
    this.mode = 'replica';
    const els = this.els;
    els.title.textContent = `${r.topic}-${r.partition} on broker ${r.broker}`;
    for (const n of [els.presetLabel, els.preset, els.controls]) n.hidden = true;
    els.refresh.hidden = false;
    if (first) {
      this.selected = null;
      this.view = null;
      this.prevFiles = null;
      this.prevSegments = null;
      els.log.replaceChildren();
    }
    this.refresh();
    const v = this.view;
    if (v) {
      els.explanation.textContent =
        `The folder /var/kafka-logs/${r.topic}-${r.partition}/ on broker ${r.broker}, as it is at ${clock(v.now_ms)}: ` +
        `this replica is ${v.role ?? 'a replica'}; its log end offset is ${v.log_end_offset} and the partition's high watermark ${v.high_watermark ?? '–'}. ` +
        'Records at or past the high watermark are not committed yet. Followers fetch from the leader and append the same batches, so the files match offset for offset; a follower that fell behind holds fewer. Refresh reads the log again.';
      this.logLines([`${first ? 'opened' : 'refreshed'}: log end offset ${v.log_end_offset}, ${(v.segments ?? []).length} segment(s)`], 'action');
      if (first) {
        const start = Number(v.log_start_offset);
        const end = Number(v.log_end_offset);
        els.findInput.value = String(end > start ? Math.max(start, Math.floor((start + end - 1) / 2)) : start);
        this.setCaption(IDLE_CAPTION);
      }
    }
    return true;
  }

  isOpen() {
    return !this.root.hidden;
  }

  open() {
    if (!this.els) {
      this.build();
      this.loadPreset(DEFAULT_PRESET);
    }
    this.root.hidden = false;
    this.toggle.setAttribute('aria-expanded', 'true');
    this.toggle.classList.add('active');
    this.els.close.focus();
  }

  close() {
    if (!this.isOpen()) return;
    this.player?.pause();
    this.root.hidden = true;
    this.toggle.setAttribute('aria-expanded', 'false');
    this.toggle.classList.remove('active');
    this.toggle.focus();
  }

  build() {
    try {
      this.presets = parseJson(this.StorageLab.presets());
    } catch (err) {
      this.showError(err);
    }
    const els = buildSkeleton(this.root, this.presets, PAGE_BATCHES);
    this.els = els;
    els.caption.textContent = IDLE_CAPTION;
    els.preset.addEventListener('change', () => this.loadPreset(els.preset.value));
    els.refresh.addEventListener('click', () => this.replica && this.loadReplica(false));
    els.close.addEventListener('click', () => this.close());
    els.find.addEventListener('click', () => this.startFind());
    els.findInput.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        this.startFind();
      }
    });
    els.prev.addEventListener('click', () => this.showPage(this.page - 1));
    els.next.addEventListener('click', () => this.showPage(this.page + 1));
    els.append.addEventListener('click', () => this.doAppend());
    els.plus10.addEventListener('click', () => this.doAdvance(10_000));
    els.plus60.addEventListener('click', () => this.doAdvance(60_000));
    els.clean.addEventListener('click', () => this.run('run the log cleaner', () => this.lab.clean()));
    this.player = new StepPlayer(els, {
      setCaption: (text) => this.setCaption(text),
      onError: (err) => this.setCaption(errorMessage(err), true),
    });

    // Keys typed in the lab are the lab's: Space, S and → must not drive the cluster.
    this.root.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        this.close();
      }
      ev.stopPropagation();
    });
    document.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && this.isOpen()) {
        ev.preventDefault();
        this.close();
      }
    });
  }

  // ------------------------------------------------------------ the lab

  loadPreset(id) {
    let next;
    try {
      next = new this.StorageLab(id);
    } catch (err) {
      this.logLines([`could not open preset "${id}": ${errorMessage(err)}`], 'error');
      return;
    }
    this.stopFind();
    if (this.lab) {
      try {
        this.lab.free();
      } catch {
        // already gone
      }
    }
    this.lab = next;
    this.mode = 'lab';
    this.replica = null;
    const els = this.els;
    els.title.textContent = 'Storage lab';
    for (const n of [els.presetLabel, els.preset, els.controls]) n.hidden = false;
    els.refresh.hidden = true;
    els.preset.value = id;
    const p = this.presets.find((x) => x.id === id);
    els.explanation.textContent = p?.explanation ?? '';
    this.selected = null;
    this.view = null;
    this.prevFiles = null;
    this.prevSegments = null;
    els.log.replaceChildren();
    this.logLines([`opened preset "${p?.title ?? id}"`], 'action');
    this.refresh();
    const v = this.view;
    if (v) {
      const start = Number(v.log_start_offset);
      const end = Number(v.log_end_offset);
      const notes = id === 'notes' && NOTES_FIND_OFFSET >= start && NOTES_FIND_OFFSET < end;
      const suggested = notes ? NOTES_FIND_OFFSET : Math.max(start, Math.floor((start + end - 1) / 2));
      els.findInput.value = String(suggested);
      if (notes) {
        // Open the notes' segment: the floor segment of the offset to find.
        const floor = (v.segments ?? []).filter((g) => g.base_offset <= suggested).pop();
        if (floor) this.select(floor.base_offset);
      }
    }
    this.setCaption(IDLE_CAPTION);
  }

  /** Runs one call that changes the lab, logs its lines and what changed, redraws. */
  run(action, call) {
    if (!this.lab) return;
    this.stopFind();
    let lines;
    try {
      lines = parseJson(call());
    } catch (err) {
      this.logLines([`${action}: ${errorMessage(err)}`], 'error');
      return;
    }
    const before = this.view;
    this.logLines([action], 'action');
    this.logLines(Array.isArray(lines) ? lines : [String(lines)], '');
    this.refresh();
    const change = summarizeChange(before, this.view);
    if (change) this.logLines([change], 'summary');
  }

  doAppend() {
    const els = this.els;
    const [b, r, v] = [els.appendBatches, els.appendRecords, els.appendValue].map((i) => Number(i.value.trim()));
    for (const [x, name] of [
      [b, 'batches'],
      [r, 'records per batch'],
      [v, 'value bytes'],
    ]) {
      if (!Number.isSafeInteger(x) || x < 0) {
        this.logLines([`append: ${name} must be a whole number ≥ 0`], 'error');
        return;
      }
    }
    this.run(`append ${b} batches × ${r} records × ${v} B`, () => this.lab.append(b, r, v));
  }

  doAdvance(ms) {
    this.run(`advance time by ${ms / 1000} s`, () => this.lab.advance(ms));
  }

  logLines(lines, kind) {
    const list = this.els.log;
    for (const line of lines) list.append(el('li', `lab-log-line${kind ? ` ${kind}` : ''}`, line));
    while (list.childElementCount > LAB_LOG_MAX) list.firstElementChild.remove();
    list.scrollTop = list.scrollHeight;
  }

  /** Reads view() and redraws everything from it. */
  refresh() {
    let next;
    try {
      next = parseJson(this.lab.view());
    } catch (err) {
      this.logLines([`view: ${errorMessage(err)}`], 'error');
      return;
    }
    const wasActive = (this.view?.segments ?? []).find((s) => s.base_offset === this.selected)?.active;
    this.view = next;
    const segs = next.segments ?? [];
    const active = segs.find((s) => s.active);
    if (wasActive && active && active.base_offset !== this.selected) {
      // Watching the active segment: follow it when a new one is rolled.
      this.selected = active.base_offset;
      this.page = 0;
    } else if (!segs.some((s) => s.base_offset === this.selected)) {
      // The selected segment is gone: show the active one.
      const fallback = active ?? segs[segs.length - 1];
      this.selected = fallback ? fallback.base_offset : null;
      this.page = 0;
    }
    this.renderSummary();
    this.renderFolder();
    this.loadSegment(false);
  }

  // ------------------------------------------------------------ summary and folder

  renderSummary() {
    const v = this.view;
    const els = this.els;
    if (this.mode === 'replica') {
      els.clock.textContent = `copied at ${clock(v.now_ms)}`;
      els.clock.title = `Simulated time of the cluster when this copy of the log was taken (${Number(v.now_ms ?? 0)} ms).`;
    } else {
      els.clock.textContent = `lab clock ${clock(v.now_ms)}`;
      els.clock.title = `The lab log's own clock (${Number(v.now_ms ?? 0)} ms): time passes only with the Advance time buttons, and a little with each append.`;
    }
    const stat = (name, value, tip) => {
      const s = el('span', 'lab-stat');
      s.title = tip;
      s.append(el('span', 'lab-stat-name', name), el('span', 'lab-stat-value', value));
      return s;
    };
    els.stats.replaceChildren(
      stat('log start offset', v.log_start_offset, 'The first offset still in the log. Retention moves it up when it deletes old segments.'),
      stat('log end offset', v.log_end_offset, 'The offset the next record will get (LEO).'),
      ...(this.mode === 'replica'
        ? [
            stat('high watermark', v.high_watermark ?? '–', 'The partition\'s high watermark: the smallest log end offset in the ISR. Offsets below it are committed and readable by consumers.'),
            stat('role', v.role ?? '–', 'What this replica is: leader, follower in the ISR, out of sync, offline partition, or on a broker that is down.'),
          ]
        : []),
      stat('size', bytes(v.size_bytes), 'Total size of the .log files.'),
      stat('segments', (v.segments ?? []).length, 'Segments in the folder; the last one is the active segment, the only one written to.'),
    );
    els.chips.replaceChildren();
    for (const [k, value] of Object.entries(v.config ?? {})) {
      const chip = el('span', 'lab-chip', `${k} = ${value}`);
      chip.title = CONFIG_TIPS[k] ?? k;
      els.chips.append(chip);
    }
    els.clean.disabled = !String(v.config?.['cleanup.policy'] ?? '').includes('compact');
    els.clean.title = els.clean.disabled ? CLEAN_OFF_TIP : CLEAN_TIP;
  }

  renderFolder() {
    const segs = this.view.segments ?? [];
    const prevFiles = this.prevFiles;
    const now = new Map(segs.map((s) => [s.base_offset, s]));
    const groups = segs.map((seg) => ({ seg, gone: false }));
    for (const [base, seg] of this.prevSegments ?? []) if (!now.has(base)) groups.push({ seg, gone: true });
    groups.sort((a, b) => a.seg.base_offset - b.seg.base_offset);

    const folder = this.els.folder;
    const scroll = folder.scrollTop;
    folder.replaceChildren();
    for (const { seg, gone } of groups) {
      const g = segmentGroup(seg, {
        gone,
        selected: seg.base_offset === this.selected,
        marks: this.mark,
        prevFiles,
        onSelect: () => this.select(seg.base_offset),
      });
      folder.append(g);
      if (gone) setTimeout(() => g.remove(), FLASH_MS);
    }
    for (const f of this.view.partition_files ?? []) folder.append(partitionFile(f));
    folder.scrollTop = scroll;
    const fresh = folder.querySelector('.row-new, .lab-seg.gone');
    if (fresh && prevFiles) scrollIntoContainer(folder, fresh.closest('.lab-seg'));
    this.prevFiles = new Map(segs.flatMap((s) => (s.files ?? []).map((f) => [f.name, f.bytes])));
    this.prevSegments = now;
  }

  /** Updates the folder's highlight classes without redrawing it. */
  markFolder() {
    for (const g of this.els.folder.querySelectorAll('.lab-seg')) {
      const base = Number(g.dataset.base);
      g.classList.toggle('considered', this.mark.segments.has(base));
      g.classList.toggle('chosen', this.mark.floor === base);
      g.classList.toggle('selected', base === this.selected && !g.classList.contains('gone'));
    }
  }

  select(base) {
    if (this.player.active) this.stopFind();
    if (base === this.selected) return;
    this.selected = base;
    this.page = 0;
    this.markFolder();
    this.loadSegment(true);
  }

  // ------------------------------------------------------------ the selected segment

  /** Loads the selected segment's indexes and current page. */
  loadSegment(resetScroll) {
    this.expanded.clear();
    this.pageStarts = new Map();
    this.indexWindow = { index: 0, timeindex: 0 };
    if (this.selected === null) {
      this.indexData = { index: [], timeindex: [] };
      this.pageData = { total: 0, batches: [] };
    } else {
      try {
        this.indexData = parseJson(this.lab.index(this.selected));
      } catch (err) {
        this.indexData = { index: [], timeindex: [] };
        this.logLines([`index: ${errorMessage(err)}`], 'error');
      }
      this.fetchPage(this.page);
    }
    this.renderBatches();
    this.renderIndexes();
    if (resetScroll) {
      for (const box of [this.els.batches, this.els.index, this.els.timeindex]) box.scrollTop = 0;
    }
  }

  fetchPage(page) {
    try {
      this.page = Math.max(0, page);
      let d = parseJson(this.lab.batches(this.selected, this.page * PAGE_BATCHES, PAGE_BATCHES));
      const pages = Math.max(1, Math.ceil(Number(d.total) / PAGE_BATCHES));
      if (this.page > pages - 1) {
        // The segment shrank (compaction): show its last page.
        this.page = pages - 1;
        d = parseJson(this.lab.batches(this.selected, this.page * PAGE_BATCHES, PAGE_BATCHES));
      }
      this.pageData = d;
    } catch (err) {
      this.pageData = { total: 0, batches: [] };
      this.logLines([`batches: ${errorMessage(err)}`], 'error');
    }
  }

  showPage(page) {
    this.fetchPage(page);
    this.renderBatches();
    this.els.batches.scrollTop = 0;
  }

  /** The page holding the batch at `position` of the selected segment (binary search over pages). */
  pageOfPosition(position) {
    const cache = this.pageStarts;
    const firstPos = (page) => {
      if (!cache.has(page)) {
        const d = parseJson(this.lab.batches(this.selected, page * PAGE_BATCHES, 1));
        cache.set(page, d.batches.length ? Number(d.batches[0].position) : Infinity);
      }
      return cache.get(page);
    };
    const total = Number(this.pageData?.total ?? parseJson(this.lab.batches(this.selected, 0, 1)).total);
    let lo = 0;
    let hi = Math.max(0, Math.ceil(total / PAGE_BATCHES) - 1);
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (firstPos(mid) <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  renderBatches() {
    const els = this.els;
    const d = this.pageData ?? { total: 0, batches: [] };
    const total = Number(d.total) || 0;
    const pages = Math.max(1, Math.ceil(total / PAGE_BATCHES));
    els.batchTitle.textContent = this.selected === null ? 'Batches' : `${String(this.selected).padStart(20, '0')}.log`;
    const from = this.page * PAGE_BATCHES;
    els.pageInfo.textContent =
      total === 0 ? 'no batches yet' : `batches ${from + 1}–${from + d.batches.length} of ${total} · page ${this.page + 1}/${pages}`;
    els.prev.disabled = this.page <= 0;
    els.next.disabled = this.page >= pages - 1;
    if (total === 0) {
      els.batches.replaceChildren(el('p', 'lab-empty', 'This segment\'s .log is empty: append some batches.'));
      return;
    }
    const frag = document.createDocumentFragment();
    for (const b of d.batches) frag.append(this.card(b));
    els.batches.replaceChildren(frag);
  }

  card(b) {
    const position = Number(b.position);
    const card = batchCard(b, {
      marks: this.mark,
      expanded: this.expanded.has(position),
      onExpand: () => {
        this.expanded.add(position);
        card.replaceWith(this.card(b));
      },
    });
    return card;
  }

  renderIndexes() {
    const d = this.indexData ?? { index: [], timeindex: [] };
    const els = this.els;
    const interval = this.view?.config?.['index.interval.bytes'];
    const stem = this.selected === null ? '' : String(this.selected).padStart(20, '0');
    els.indexTitle.textContent = `${stem}.index`;
    els.timeTitle.textContent = `${stem}.timeindex`;
    for (const [kind, note] of [
      ['index', els.indexNote],
      ['timeindex', els.timeNote],
    ]) {
      const entries = d[kind] ?? [];
      fillIndexTable(els[kind], note, kind, entries, {
        start: Math.min(this.indexWindow[kind], Math.max(0, entries.length - MAX_INDEX_ROWS)),
        maxRows: MAX_INDEX_ROWS,
        interval,
        marks: this.mark,
        onWindow: (start) => {
          this.indexWindow[kind] = start;
          this.renderIndexes();
        },
        onRow: (e) => this.revealPosition(Number(e.position)),
      });
    }
  }

  /** Draws the window of the .index holding `slot` and scrolls to it. */
  focusIndexSlot(slot) {
    const entries = this.indexData?.index ?? [];
    const start = this.indexWindow.index;
    if (entries.length > MAX_INDEX_ROWS && (slot < start || slot >= start + MAX_INDEX_ROWS)) {
      this.indexWindow.index = Math.max(0, Math.min(slot - MAX_INDEX_ROWS / 2, entries.length - MAX_INDEX_ROWS));
    }
    this.renderIndexes();
    scrollIntoContainer(this.els.index, this.els.index.querySelector(`.lab-idx-row[data-slot="${slot}"]`));
  }

  /** Shows the page holding the batch at `position`, scrolls to it and (outside a lookup) flashes it. */
  revealPosition(position) {
    let page;
    try {
      page = this.pageOfPosition(position);
    } catch (err) {
      this.logLines([`batches: ${errorMessage(err)}`], 'error');
      return null;
    }
    if (page !== this.page || !this.pageData) this.fetchPage(page);
    this.renderBatches();
    const card = this.els.batches.querySelector(`.lab-batch[data-position="${position}"]`);
    if (card) {
      scrollIntoContainer(this.els.batches, card);
      if (!this.player.active) {
        card.classList.remove('flash');
        void card.offsetWidth; // restart the animation
        card.classList.add('flash');
      }
    }
    return card;
  }

  // ------------------------------------------------------------ find

  setCaption(text, error = false) {
    this.els.caption.textContent = text;
    this.els.caption.classList.toggle('error', error);
  }

  startFind() {
    if (!this.lab) return;
    this.stopFind();
    const raw = this.els.findInput.value.trim();
    const offset = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(offset)) {
      this.setCaption(`"${raw}" is not an offset: offsets are whole numbers from 0 up.`, true);
      return;
    }
    let r;
    try {
      r = parseJson(this.lab.find(offset));
    } catch (err) {
      this.setCaption(errorMessage(err), true);
      return;
    }
    if (!r.ok) {
      this.setCaption(r.error ?? `offset ${offset} cannot be found`, true);
      return;
    }
    this.player.load(lookupSteps(r, this.lookupUi(), this.view?.config?.['index.interval.bytes']));
    this.player.step();
    this.player.play();
  }

  /** What the lookup steps highlight, and how. */
  lookupUi() {
    return {
      showFloor: (considered, base) => {
        this.mark.segments = considered;
        this.mark.floor = base;
        if (this.selected !== base) {
          this.selected = base;
          this.page = 0;
          this.loadSegment(true);
        }
        this.markFolder();
        scrollIntoContainer(this.els.folder, this.els.folder.querySelector(`.lab-seg[data-base="${base}"]`));
      },
      showProbe: (slot, below) => {
        this.mark.probes.set(slot, below);
        this.mark.probe = slot;
        this.focusIndexSlot(slot);
      },
      showEntry: (slot) => {
        this.mark.probe = null;
        this.mark.entry = slot;
        if (slot !== null) this.focusIndexSlot(slot);
        else this.renderIndexes();
      },
      showScan: (position, inside) => {
        this.mark.scanned.add(position);
        this.mark.batch = position;
        this.mark.inside = inside;
        this.revealPosition(position);
      },
      showHit: (offset, position) => {
        this.mark.record = offset;
        const card = this.revealPosition(position);
        const row = card?.querySelector(`.lab-rec[data-offset="${offset}"]`);
        if (row) scrollIntoContainer(this.els.batches, row);
        return Boolean(row);
      },
      setCaption: (text) => this.setCaption(text),
      setResult: (text) => {
        this.els.result.textContent = text;
      },
    };
  }

  /** Ends any lookup and clears its highlights. */
  stopFind() {
    const had = this.player?.active || this.mark.floor !== null;
    this.player?.stop();
    this.mark = emptyMarks();
    if (!this.els) return;
    this.els.result.textContent = '';
    if (had && this.view) {
      this.markFolder();
      for (const n of this.root.querySelectorAll('.lab-batch.scanned, .lab-batch.current, .lab-rec.hit')) {
        n.classList.remove('scanned', 'current', 'inside', 'outside', 'hit');
      }
      for (const n of this.root.querySelectorAll('.lab-idx-row.probe, .lab-idx-row.probe-below, .lab-idx-row.probe-above, .lab-idx-row.used')) {
        n.classList.remove('probe', 'probe-below', 'probe-above', 'used');
      }
    }
  }
}
