// Finding an offset in the storage drawer: reads the offset typed, asks
// the lab how Kafka finds it (lab.find), and plays the steps from
// lab-lookup.js, highlighting the floor segment, each .index probe, the
// batches scanned and the record. These are StorageInspector methods
// (mixed in by inspector.js).

import { errorMessage } from './panels.js';
import { parseJson, scrollIntoContainer } from './lab-dom.js';
import { emptyMarks, lookupSteps } from './lab-lookup.js';

/** The inspector's offset lookup. */
export const offsetFind = {
  setCaption(text, error = false) {
    this.els.caption.textContent = text;
    this.els.caption.classList.toggle('error', error);
  },

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
  },

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
  },

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
  },
};
