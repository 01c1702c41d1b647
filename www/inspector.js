// The storage lab: one partition's folder as Kafka lays it out on disk
// (segments named by base offset, each a .log of record batches with a
// sparse .index and .timeindex) and an animated walk through how Kafka
// finds an offset. The log itself lives in the wasm StorageLab; this
// module keeps the drawer's state, opens the lab's presets, calls the lab
// and redraws the summary and the folder from its JSON. The selected
// segment is drawn by lab-segment.js, a lookup played by lab-find.js, a
// replica's folder from the cluster opened by replica-folder.js; the DOM
// builders are in lab-dom.js and lab-skeleton.js.

import { el, errorMessage } from './panels.js';
import {
  CONFIG_TIPS,
  IDLE_CAPTION,
  PAGE_BATCHES,
  bytes,
  clock,
  parseJson,
  scrollIntoContainer,
  segmentGroup,
  partitionFile,
  summarizeChange,
} from './lab-dom.js';
import { CLEAN_OFF_TIP, CLEAN_TIP, buildSkeleton } from './lab-skeleton.js';
import { StepPlayer, emptyMarks } from './lab-lookup.js';
import { offsetFind } from './lab-find.js';
import { segmentView } from './lab-segment.js';
import { replicaFolder } from './replica-folder.js';

const DEFAULT_PRESET = 'notes';
const NOTES_FIND_OFFSET = 368801; // the notes' example
const FLASH_MS = 1800; // how long a deleted segment stays on screen, fading
const LAB_LOG_MAX = 300; // lines kept in the lab log

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
    this.replica = null;
    this.swapLab(next, 'lab', true);
    const els = this.els;
    els.title.textContent = 'Storage lab';
    els.preset.value = id;
    const p = this.presets.find((x) => x.id === id);
    els.explanation.textContent = p?.explanation ?? '';
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

  /**
   * Shows `next` (a StorageLab) in place of the one shown, ending any lookup:
   * mode 'lab' shows the preset controls, 'replica' the Refresh button;
   * `fresh` forgets the old view, its selection and the lab log.
   */
  swapLab(next, mode, fresh) {
    this.stopFind();
    if (this.lab) {
      try {
        this.lab.free();
      } catch {
        // already gone
      }
    }
    this.lab = next;
    this.mode = mode;
    const els = this.els;
    for (const n of [els.presetLabel, els.preset, els.controls]) n.hidden = mode !== 'lab';
    els.refresh.hidden = mode === 'lab';
    if (fresh) {
      this.selected = null;
      this.view = null;
      this.prevFiles = null;
      this.prevSegments = null;
      els.log.replaceChildren();
    }
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
}

Object.assign(StorageInspector.prototype, segmentView, offsetFind, replicaFolder);
