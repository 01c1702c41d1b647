// The storage lab's DOM pieces drawn from the lab's JSON views (folder
// rows, batch cards, index tables) and the small helpers and constants the
// drawer's modules share. These are builders: they create elements with
// createElement + textContent and call back the handlers they are given;
// the state lives in inspector.js, the drawer's skeleton in lab-skeleton.js.

import { el } from './panels.js';

/** Batches drawn at once. */
export const PAGE_BATCHES = 20;
/** Index entries drawn at once. */
export const MAX_INDEX_ROWS = 500;
/** The caption while no lookup runs. */
export const IDLE_CAPTION = 'Type an offset and press Find to watch Kafka locate it.';

/** Parses a JSON string the lab returned. */
export function parseJson(text) {
  return JSON.parse(String(text));
}

/** Records drawn per batch unless the learner asks for all of them. */
export const MAX_RECORD_ROWS = 40;

/** What each config key means, with Kafka's real default, for the chips' tooltips. */
export const CONFIG_TIPS = {
  'segment.bytes':
    'Roll a new segment when the next batch would make the active .log bigger than this. Kafka default: 1073741824 (1 GiB).',
  'index.interval.bytes':
    'How many bytes of batches are appended between two .index entries: the index is sparse, so a lookup scans at most about this much of the .log. Kafka default: 4096.',
  'segment.ms':
    'Roll a new segment when this long has passed since the first record of the active one. Kafka default: 604800000 (7 days).',
  'retention.ms':
    'Delete a whole old segment once its newest record is older than this (-1: never). Kafka default: 604800000 (7 days).',
  'retention.bytes':
    'Delete whole oldest segments while the partition is bigger than this (-1: no limit, Kafka\'s default; at most 33554432 here, a broker\'s simulated disk).',
  'cleanup.policy':
    '"delete": old segments are deleted by retention; "compact": the log cleaner keeps the latest record per key (as in __consumer_offsets). Kafka default: delete.',
  'delete.retention.ms':
    'How long a tombstone (a record with a null value) survives compaction, so that consumers see the delete. Kafka default: 86400000 (1 day).',
  'max.message.bytes':
    'The largest record batch the broker accepts; a bigger one is rejected with MESSAGE_TOO_LARGE. Kafka default: 1048588.',
  'segment.index.bytes':
    'Size of each .index / .timeindex file; when one is full a new segment is rolled. Kafka default: 10485760 (10 MiB).',
};

export const FILE_TIPS = {
  log: 'The .log file: record batches (format v2, magic 2) back to back, in offset order. The name is the segment\'s base offset, 20 digits.',
  index: 'The .index file: sparse, 8-byte entries (relative offset i32, position i32 in the .log).',
  timeindex: 'The .timeindex file: sparse, 12-byte entries (timestamp i64, relative offset i32).',
};

/** 16384 -> "16,384 B". */
export function bytes(n) {
  return `${Number(n).toLocaleString('en-US')} B`;
}

/** A CRC as 0x + 8 hex digits, from a number or a hex string. */
export function hex32(crc) {
  if (typeof crc === 'string') return `0x${crc.replace(/^0x/i, '').padStart(8, '0')}`;
  return `0x${(Number(crc) >>> 0).toString(16).padStart(8, '0')}`;
}

/** The lab clock: "t = 12.3 s", "t = 2.5 h", "t = 14.0 days". */
export function clock(ms) {
  const sec = Number(ms ?? 0) / 1000;
  if (sec < 3600) return `t = ${sec.toFixed(1)} s`;
  return sec >= 86400 ? `t = ${(sec / 86400).toFixed(1)} days` : `t = ${(sec / 3600).toFixed(1)} h`;
}

/** Scrolls `container` so that `row` is in its middle (without scrolling the page). */
export function scrollIntoContainer(container, row) {
  if (!container || !row) return;
  const c = container.getBoundingClientRect();
  const r = row.getBoundingClientRect();
  const delta = r.top - c.top - (container.clientHeight - Math.min(r.height, container.clientHeight)) / 2;
  container.scrollTop += delta;
}

export function button(label, title, className = '') {
  const b = el('button', className, label);
  b.type = 'button';
  if (title) b.title = title;
  return b;
}

export function numberInput(id, value, min, max, title) {
  const input = el('input', 'lab-num');
  input.type = 'number';
  input.id = id;
  input.min = String(min);
  input.max = String(max);
  input.step = '1';
  input.value = String(value);
  input.title = title;
  return input;
}

export function labelled(text, input, title) {
  const label = el('label', 'lab-field');
  label.htmlFor = input.id;
  label.title = title;
  label.append(el('span', 'lab-field-name', text), input);
  return label;
}

/** "log end offset 100 → 150, size 5,000 B → 7,500 B" for what a call changed, or "". */
export function summarizeChange(before, after) {
  if (!before || !after) return '';
  const parts = [];
  const pair = (name, a, b, fmt = String) => {
    if (a !== b) parts.push(`${name} ${fmt(a)} → ${fmt(b)}`);
  };
  pair('log start offset', before.log_start_offset, after.log_start_offset);
  pair('log end offset', before.log_end_offset, after.log_end_offset);
  pair('segments', before.segments?.length, after.segments?.length);
  pair('size', before.size_bytes, after.size_bytes, bytes);
  return parts.length ? parts.join(', ') : 'no change to the folder';
}


// ---------------------------------------------------------------- folder

/**
 * One segment of the folder listing: a header (offsets, batches, "active")
 * and its three files. `gone`: just deleted, drawn struck through to fade.
 * `prevFiles` (name -> bytes before the last call) flags new and changed rows.
 */
export function segmentGroup(seg, { gone, selected, marks, prevFiles, onSelect }) {
  const g = el('div', 'lab-seg');
  g.setAttribute('role', 'listitem');
  g.dataset.base = String(seg.base_offset);
  if (seg.active && !gone) g.classList.add('active');
  if (gone) g.classList.add('gone');
  if (!gone && selected) g.classList.add('selected');
  if (marks.segments.has(seg.base_offset)) g.classList.add('considered');
  if (marks.floor === seg.base_offset) g.classList.add('chosen');
  const head = el('button', 'lab-seg-head');
  head.type = 'button';
  const range =
    seg.first_offset === null || seg.first_offset === undefined ? 'empty' : `offsets ${seg.first_offset}–${seg.last_offset}`;
  const count = `${seg.batches ?? 0} ${seg.batches === 1 ? 'batch' : 'batches'}`;
  head.append(el('span', 'lab-seg-base', range), el('span', 'lab-seg-range', count));
  if (seg.active && !gone) {
    const badge = el('span', 'lab-badge', 'active');
    badge.title = 'The active segment: the only one written to; never deleted by retention or cleaned without a roll first.';
    head.append(badge);
  }
  if (gone) head.append(el('span', 'lab-badge gone', 'deleted'));
  head.title = gone
    ? 'This segment was just deleted.'
    : `${seg.batches} batches, ${seg.records} records, maxTimestamp ${seg.max_timestamp}. Click to open it.`;
  head.disabled = gone;
  if (!gone) head.addEventListener('click', onSelect);
  g.append(head);
  for (const f of seg.files ?? []) {
    const row = el('div', 'lab-file');
    row.dataset.name = f.name;
    const ext = /\.([a-z]+)$/.exec(f.name)?.[1] ?? '';
    row.title = FILE_TIPS[ext] ?? f.name;
    row.append(el('span', 'lab-file-name', f.name), el('span', 'lab-file-bytes', bytes(f.bytes)));
    if (!gone && prevFiles) {
      if (!prevFiles.has(f.name)) row.classList.add('row-new');
      else if (prevFiles.get(f.name) !== f.bytes) row.classList.add('row-changed');
    }
    if (!gone) row.addEventListener('click', onSelect);
    g.append(row);
  }
  return g;
}

/**
 * A file of the partition folder that belongs to no segment (the leader
 * epoch cache), with its text shown, since it is a small text file.
 */
export function partitionFile(f) {
  const g = el('div', 'lab-seg lab-partition-file');
  g.setAttribute('role', 'listitem');
  const row = el('div', 'lab-file');
  row.dataset.name = f.name;
  row.title =
    'The leader epoch cache (KIP-101): for each leader epoch, the first offset written in it. A replica that becomes a follower asks the new leader where its last epoch ends and truncates there, instead of to its high watermark. Format: version, entry count, then "epoch startOffset" lines.';
  row.append(el('span', 'lab-file-name', f.name), el('span', 'lab-file-bytes', bytes(f.bytes)));
  g.append(row, el('pre', 'lab-file-text', f.text ?? ''));
  return g;
}

// ---------------------------------------------------------------- batches

/**
 * One record batch: its v2 header fields and its records. At most
 * MAX_RECORD_ROWS records unless `expanded` (around the found one, if any);
 * `onExpand` redraws it whole.
 */
export function batchCard(b, { marks, expanded, onExpand }) {
  const card = el('article', 'lab-batch');
  card.dataset.position = String(b.position);
  if (marks.scanned.has(Number(b.position))) card.classList.add('scanned');
  if (marks.batch === Number(b.position)) card.classList.add('current', marks.inside ? 'inside' : 'outside');
  const head = el('div', 'lab-bhead');
  const field = (name, value, tip) => {
    const f = el('span', 'lab-bf');
    f.title = tip;
    f.append(el('span', 'lab-bf-name', name), el('span', 'lab-bf-value', value));
    head.append(f);
  };
  field('position', b.position, 'Byte position of this batch in the .log file');
  field('offsets', `${b.base_offset}–${b.last_offset}`, 'baseOffset–lastOffset (baseOffset + lastOffsetDelta)');
  field('size', bytes(b.size), 'The whole batch: 61-byte header (baseOffset 8 + batchLength 4 + the rest) plus its records');
  field('crc', hex32(b.crc), 'CRC-32C of everything after the crc field');
  field('leader epoch', b.partition_leader_epoch, 'partitionLeaderEpoch: the leader epoch of the leader that appended it');
  field('maxTimestamp', b.max_timestamp, 'The largest record timestamp in the batch (ms)');
  card.append(head);

  const records = b.records ?? [];
  const rows = el('div', 'lab-records');
  let shown = records;
  let hidden = 0;
  if (records.length > MAX_RECORD_ROWS && !expanded) {
    const focus = records.findIndex((r) => Number(r.offset) === marks.record);
    const start = focus < 0 ? 0 : Math.max(0, Math.min(focus - MAX_RECORD_ROWS / 2, records.length - MAX_RECORD_ROWS));
    shown = records.slice(start, start + MAX_RECORD_ROWS);
    hidden = records.length - shown.length;
  }
  for (const r of shown) {
    const row = el('div', 'lab-rec');
    row.dataset.offset = String(r.offset);
    if (Number(r.offset) === marks.record) row.classList.add('hit');
    const key = r.key === null || r.key === undefined ? el('span', 'null', 'null') : el('span', '', r.key);
    const value = r.value === null || r.value === undefined ? el('span', 'null', 'null (tombstone)') : el('span', '', r.value);
    key.title = String(r.key ?? 'null');
    value.title = String(r.value ?? 'null (tombstone)');
    row.append(el('span', 'off', r.offset), el('span', 'ts', r.timestamp), key, value);
    rows.append(row);
  }
  if (records.length === 0) rows.append(el('div', 'lab-rec-note', 'no records left (removed by compaction)'));
  if (hidden > 0) {
    const more = button(`${hidden} more records not shown: show all`, 'Draw every record of this batch', 'lab-more');
    more.addEventListener('click', onExpand);
    rows.append(more);
  }
  card.append(rows);
  return card;
}

// ---------------------------------------------------------------- indexes

const INDEX_COLUMNS = {
  index: [
    ['slot', 'Entry number'],
    ['relOffset', 'relative offset (i32): offset − base offset'],
    ['→ offset', 'The absolute offset: base offset + relative offset'],
    ['position', 'Byte position in the .log (i32) of the batch holding that offset'],
  ],
  timeindex: [
    ['slot', 'Entry number'],
    ['timestamp', 'Largest timestamp so far (i64)'],
    ['→ offset', 'The offset of the record with that timestamp (stored relative, i32)'],
  ],
};

/**
 * Fills `box` with the entries of a `.index` or `.timeindex` from slot
 * `start` (at most `maxRows`), and `note` with the count and, for a long
 * index, buttons that call `onWindow(newStart)`. `onRow(entry)` runs when an
 * .index row is clicked; `marks` colours the probed slots.
 */
export function fillIndexTable(box, note, kind, entries, { start, maxRows, interval, marks, onWindow, onRow }) {
  const entryBytes = kind === 'index' ? 8 : 12;
  const shown = entries.slice(start, start + maxRows);
  note.replaceChildren(
    el(
      'span',
      '',
      entries.length > maxRows
        ? `slots ${start}–${start + shown.length - 1} of ${entries.length} (${entryBytes} bytes each)`
        : `${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}, ${entryBytes} bytes each`,
    ),
  );
  if (entries.length > maxRows) {
    const earlier = button('‹', 'Earlier entries', 'lab-mini');
    const later = button('›', 'Later entries', 'lab-mini');
    earlier.disabled = start === 0;
    later.disabled = start + maxRows >= entries.length;
    earlier.addEventListener('click', () => onWindow(Math.max(0, start - maxRows)));
    later.addEventListener('click', () => onWindow(start + maxRows));
    note.append(earlier, later);
  }
  box.replaceChildren();
  const head = el('div', `lab-idx-row lab-idx-cols ${kind}`);
  for (const [t, tip] of INDEX_COLUMNS[kind]) {
    const c = el('span', '', t);
    c.title = tip;
    head.append(c);
  }
  box.append(head);
  if (entries.length === 0) {
    const limit = interval === undefined ? '' : ` (${interval})`;
    box.append(
      el(
        'p',
        'lab-empty',
        `No entries yet: an entry is written before a batch once more than index.interval.bytes${limit} were appended since the last entry (or since the segment began), so the first entry lands on a later batch, never at position 0.`,
      ),
    );
    return;
  }
  const frag = document.createDocumentFragment();
  for (const e of shown) {
    const row = el('div', `lab-idx-row ${kind}`);
    row.dataset.slot = String(e.slot);
    if (kind === 'index') {
      row.append(el('span', 'slot', e.slot), el('span', '', e.relative_offset), el('span', '', e.offset), el('span', '', e.position));
      row.title = `Slot ${e.slot}: offset ${e.offset} is in the batch at byte ${e.position} of the .log. Click to show that batch.`;
      row.addEventListener('click', () => onRow(e));
      const probe = marks.probes.get(Number(e.slot));
      if (probe !== undefined) row.classList.add(probe ? 'probe-below' : 'probe-above');
      if (marks.probe === Number(e.slot)) row.classList.add('probe');
      if (marks.entry === Number(e.slot)) row.classList.add('used');
    } else {
      row.append(el('span', 'slot', e.slot), el('span', '', e.timestamp), el('span', '', e.offset));
      row.title = `Slot ${e.slot}: the largest timestamp among the records up to offset ${e.offset} is ${e.timestamp}; a lookup by time (ListOffsets) for a later timestamp starts scanning at the batch holding that offset (or before it).`;
    }
    frag.append(row);
  }
  box.append(frag);
}
