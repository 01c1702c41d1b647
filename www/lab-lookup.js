// How Kafka finds an offset in a partition's folder, as steps to watch:
// the floor entry of the segment map (largest base offset <= X), each probe
// of the binary search in that segment's sparse .index, the entry it ends
// on, each batch scanned forward in the .log from that entry's position,
// and the record itself. lookupSteps turns lab.find() JSON into captions
// and actions; StepPlayer plays them one by one or on a timer.

/** Delay between two steps when playing. */
export const STEP_MS = 700;

/** What the lookup has highlighted so far (nothing). */
export function emptyMarks() {
  return {
    segments: new Set(), // segments considered by the floor search
    floor: null, // the segment chosen
    probes: new Map(), // .index slot -> at_or_below
    probe: null, // the slot probed last
    entry: null, // the slot used as the starting point
    scanned: new Set(), // positions of batches scanned
    batch: null, // the batch scanned last
    inside: false, // whether the offset is inside it
    record: null, // the offset found
  };
}

function stem(base) {
  return String(base).padStart(20, '0');
}

/**
 * The steps of a successful lab.find() result `r`. Each step has a caption
 * (or none, when its action sets one) and an action that highlights through
 * `ui`: showFloor(considered, base), showProbe(slot, atOrBelow),
 * showEntry(slot | null), showScan(position, inside), showHit(offset,
 * position) -> whether the record row is there, setCaption(text),
 * setResult(text). `interval` is index.interval.bytes, for the last line.
 */
export function lookupSteps(r, ui, interval) {
  const X = Number(r.offset);
  const bases = (r.segment_bases ?? []).map(Number);
  const considered = bases.filter((b) => b <= X);
  const floor = considered.reduce((a, b) => Math.max(a, b), -Infinity);
  const B = Number(r.segment_base);
  const steps = [];

  steps.push({
    caption:
      floor === B
        ? `Floor entry of the segment map: the largest base offset <= ${X} is ${B}, so the search goes on in segment ${stem(B)}.log.`
        : `Floor entry of the segment map: the largest base offset <= ${X} is ${floor}; compaction removed ${X} from it, so the search moves on to segment ${B}.`,
    apply: () => ui.showFloor(new Set(considered), B),
  });

  const probes = r.probes ?? [];
  if (probes.length === 0) {
    steps.push({
      caption: `Binary search of ${stem(B)}.index: it has no entries, so there is nothing to search.`,
      apply: () => {},
    });
  }
  for (const p of probes) {
    const below = Boolean(p.at_or_below);
    const o = Number(p.offset);
    let caption;
    if (p.stage === 'warm_section')
      caption =
        o < X
          ? `Kafka first checks slot ${p.slot}, where the index's warm section (its last 8 KiB) begins: offset ${o} < ${X}, so it searches only the warm section.`
          : `Kafka first checks slot ${p.slot}, where the index's warm section (its last 8 KiB) begins: offset ${o} >= ${X}, so ${X} is in the older entries.`;
    else if (p.stage === 'first_entry')
      caption =
        o > X
          ? `Slot 0 holds offset ${o}, already above ${X}: no .index entry is <= ${X}.`
          : `Slot 0 holds offset ${o} <= ${X}: binary search from slot 0 up to the warm section.`;
    else if (o === X) caption = `Probe slot ${p.slot}: offset ${o} is exactly ${X}: found.`;
    else
      caption = `Probe slot ${p.slot}: relativeOffset ${p.relative_offset}, offset ${o} is ${below ? '<' : '>'} ${X}, go ${below ? 'right' : 'left'}.`;
    steps.push({ caption, apply: () => ui.showProbe(Number(p.slot), below) });
  }

  const entry = r.index_entry;
  const usedSlot = entry ? probes.filter((p) => p.at_or_below).map((p) => Number(p.slot)).pop() : undefined;
  steps.push({
    caption: entry
      ? `The last .index entry <= ${X} is offset ${entry.offset} at position ${entry.position}: start scanning the .log at position ${entry.position}.`
      : `No .index entry is <= ${X}: start scanning the .log at position 0.`,
    apply: () => ui.showEntry(usedSlot ?? null),
  });

  for (const s of r.scanned ?? []) {
    const inside = Boolean(s.hit);
    const at = `Batch ${s.base_offset}..${s.last_offset} at position ${s.position}`;
    let caption;
    if (!inside) caption = `${at}: ${X} isn't inside (lastOffset ${s.last_offset} < ${X}); skip to the next batch.`;
    else if (X < Number(s.base_offset))
      caption = `${at}: lastOffset ${s.last_offset} >= ${X}, so this is the first batch that can hold ${X}; offsets before ${s.base_offset} were removed by compaction.`;
    else caption = `${at}: ${X} is inside (lastOffset ${s.last_offset} >= ${X}).`;
    steps.push({
      caption,
      apply: () => ui.showScan(Number(s.position), inside),
    });
  }

  steps.push({
    caption: '',
    apply: () => {
      if (ui.showHit(X, Number(r.position))) {
        ui.setCaption(`Found: offset ${X} is the record highlighted in the batch at position ${r.position}.`);
      } else {
        const hit = (r.scanned ?? []).find((b) => b.hit);
        ui.setCaption(
          `Offset ${X} is not in the log any more: compaction removed it. A fetch from ${X} returns the batch at position ${r.position}${hit ? ` (${hit.base_offset}..${hit.last_offset})` : ''} and the consumer gets the first record after ${X} still there.`,
        );
      }
      ui.setResult(`scanned ${Number(r.scanned_bytes)} bytes (index.interval.bytes = ${interval ?? '?'})`);
    },
  });
  return steps;
}

/** Plays steps: Step, Play all / Pause, a "step i/n" read-out. */
export class StepPlayer {
  constructor({ stepBtn, play, progress }, { setCaption, onError }) {
    this.stepBtn = stepBtn;
    this.playBtn = play;
    this.progress = progress;
    this.setCaption = setCaption;
    this.onError = onError;
    this.steps = null;
    this.i = 0;
    this.timer = 0;
    stepBtn.addEventListener('click', () => {
      this.pause();
      this.step();
    });
    play.addEventListener('click', () => (this.timer ? this.pause() : this.play()));
  }

  /** True while a lookup is loaded (playing or not). */
  get active() {
    return this.steps !== null;
  }

  load(steps) {
    this.stop();
    this.steps = steps;
    this.i = 0;
    this.stepBtn.disabled = false;
    this.playBtn.disabled = false;
  }

  step() {
    if (!this.steps || this.i >= this.steps.length) return;
    const s = this.steps[this.i];
    this.i += 1;
    if (s.caption) this.setCaption(s.caption);
    try {
      s.apply();
    } catch (err) {
      this.onError(err);
    }
    this.progress.textContent = `step ${this.i}/${this.steps.length}`;
    if (this.i >= this.steps.length) {
      this.pause();
      this.stepBtn.disabled = true;
      this.playBtn.disabled = true;
    }
  }

  play() {
    if (!this.steps || this.timer || this.i >= this.steps.length) return;
    this.timer = setInterval(() => this.step(), STEP_MS);
    this.playBtn.textContent = 'Pause';
    this.playBtn.title = 'Stop after this step.';
  }

  pause() {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = 0;
    }
    this.playBtn.textContent = 'Play all';
    this.playBtn.title = `Play the remaining steps, one every ${STEP_MS / 1000} s.`;
  }

  /** Forgets the loaded steps. */
  stop() {
    this.pause();
    this.steps = null;
    this.i = 0;
    this.stepBtn.disabled = true;
    this.playBtn.disabled = true;
    this.progress.textContent = '';
  }
}
