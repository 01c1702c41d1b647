// The selected segment in the storage drawer: its .log's record batches a
// page at a time, its .index and .timeindex tables (a window of entries at
// a time), and revealing the batch at a file position. These are
// StorageInspector methods (mixed in by inspector.js); the DOM builders
// they call are in lab-dom.js.

import { el, errorMessage } from './panels.js';
import {
  MAX_INDEX_ROWS,
  PAGE_BATCHES,
  batchCard,
  fillIndexTable,
  parseJson,
  scrollIntoContainer,
} from './lab-dom.js';

/** The inspector's segment view. */
export const segmentView = {
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
  },

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
  },

  showPage(page) {
    this.fetchPage(page);
    this.renderBatches();
    this.els.batches.scrollTop = 0;
  },

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
  },

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
  },

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
  },

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
  },

  /** Draws the window of the .index holding `slot` and scrolls to it. */
  focusIndexSlot(slot) {
    const entries = this.indexData?.index ?? [];
    const start = this.indexWindow.index;
    if (entries.length > MAX_INDEX_ROWS && (slot < start || slot >= start + MAX_INDEX_ROWS)) {
      this.indexWindow.index = Math.max(0, Math.min(slot - MAX_INDEX_ROWS / 2, entries.length - MAX_INDEX_ROWS));
    }
    this.renderIndexes();
    scrollIntoContainer(this.els.index, this.els.index.querySelector(`.lab-idx-row[data-slot="${slot}"]`));
  },

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
  },
};
