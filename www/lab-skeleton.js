// The storage drawer's skeleton: header (preset, stats, clock, close),
// explanation, config chips, find bar and caption, then three columns
// (folder with controls and lab log; batches; indexes). Built once with
// createElement + textContent; inspector.js fills and wires it.

import { el } from './panels.js';
import { FILE_TIPS, button, labelled, numberInput } from './lab-dom.js';

export const CLEAN_TIP =
  'One pass of the log cleaner (cleanup.policy=compact): in every segment but the active one, keep only the latest record per key; tombstones go after delete.retention.ms; small cleaned segments are merged.';
export const CLEAN_OFF_TIP = 'The log cleaner only runs for cleanup.policy=compact (try the compaction preset).';

/**
 * Builds the drawer inside `root`: header (preset, stats, clock, close),
 * explanation, config chips, find bar and caption, then three columns
 * (folder with controls and lab log; batches; indexes). Returns the
 * elements the inspector fills and wires, by name.
 */
export function buildSkeleton(root, presets, pageBatches) {
  const els = {};
  root.replaceChildren();

  const head = el('div', 'lab-head');
  const title = el('h2', 'lab-title', 'Storage lab');
  title.id = 'lab-title';
  title.title = 'One partition of one topic is a folder on the broker\'s disk; this is that folder.';
  els.preset = el('select', 'lab-preset');
  els.preset.id = 'lab-preset';
  els.preset.title = 'Pick a prepared partition log';
  for (const p of presets) {
    const o = el('option', '', p.title ?? p.id);
    o.value = p.id;
    els.preset.append(o);
  }
  const presetLabel = el('label', 'lab-preset-label', 'Preset');
  presetLabel.htmlFor = 'lab-preset';
  els.stats = el('div', 'lab-stats');
  els.clock = el('span', 'lab-clock');
  els.close = button('×', 'Close the storage lab (Escape). The cluster keeps running behind it.', 'lab-close');
  els.close.setAttribute('aria-label', 'Close the storage lab');
  els.title = title;
  els.presetLabel = presetLabel;
  els.refresh = button(
    'Refresh',
    'Read the replica\'s log again from the running cluster (what you see is a copy taken when you opened it or last refreshed).',
  );
  els.refresh.hidden = true;
  head.append(title, presetLabel, els.preset, els.refresh, els.stats, els.clock, els.close);

  els.explanation = el('p', 'lab-explanation');
  const summary = el('div', 'lab-summary');
  els.chips = el('div', 'lab-chips');
  summary.append(els.chips);

  const find = el('div', 'lab-find');
  els.findInput = el('input', 'lab-num lab-find-input');
  els.findInput.type = 'number';
  els.findInput.id = 'lab-find-offset';
  els.findInput.min = '0';
  els.findInput.step = '1';
  els.findInput.title = 'An offset in this partition';
  const findLabel = el('label', 'lab-find-label', 'Find offset');
  findLabel.htmlFor = 'lab-find-offset';
  els.find = button(
    'Find',
    'Look the offset up as Kafka does: the floor segment by base offset, a binary search of its .index, then a forward scan of the .log from the position found.',
    'primary',
  );
  els.stepBtn = button('Step', 'Show the next step of the lookup.');
  els.play = button('Play all', 'Play the remaining steps, one every 0.7 s.');
  els.stepBtn.disabled = true;
  els.play.disabled = true;
  els.progress = el('span', 'lab-progress');
  els.result = el('span', 'lab-result');
  els.result.id = 'lab-result';
  els.result.title =
    'Bytes of whole batches the scan stepped over before reaching the batch holding the offset: at most about index.interval.bytes, since the .index has an entry every index.interval.bytes.';
  find.append(findLabel, els.findInput, els.find, els.stepBtn, els.play, els.progress, els.result);
  els.caption = el('div', 'lab-caption');
  els.caption.id = 'lab-caption';
  els.caption.setAttribute('aria-live', 'polite');

  const body = el('div', 'lab-body');
  body.append(leftColumn(els), middleColumn(els, pageBatches), rightColumn(els));
  root.append(head, els.explanation, summary, find, els.caption, body);
  return els;
}

function leftColumn(els) {
  const left = el('section', 'lab-col lab-left');
  left.setAttribute('aria-label', 'Partition folder');
  const folderHead = el('h3', 'lab-h3', 'Folder');
  folderHead.title = 'The partition\'s directory, e.g. /var/kafka-logs/topic-0/: three files per segment.';
  els.folder = el('div', 'lab-folder');
  els.folder.setAttribute('role', 'list');

  const controls = el('div', 'lab-controls');
  els.appendBatches = numberInput('lab-append-batches', 5, 1, 1000, 'How many batches the producer sends');
  els.appendRecords = numberInput('lab-append-records', 10, 1, 500, 'Records in each batch');
  els.appendValue = numberInput('lab-append-value', 40, 0, 4096, 'Bytes of each record\'s value');
  els.append = button(
    'Append',
    'Append batches as the partition leader does: each gets the next offsets; a new segment is rolled when segment.bytes would be exceeded, and an .index entry is written after every index.interval.bytes.',
    'primary',
  );
  const row1 = el('div', 'lab-control-row');
  row1.append(
    labelled('batches', els.appendBatches, els.appendBatches.title),
    labelled('records/batch', els.appendRecords, els.appendRecords.title),
    labelled('value bytes', els.appendValue, els.appendValue.title),
    els.append,
  );
  const timeTip =
    'Let time pass on the lab\'s clock. Retention runs: a whole non-active segment whose newest record is older than retention.ms is deleted, and the log start offset moves up.';
  els.plus10 = button('+10 s', timeTip);
  els.plus60 = button('+60 s', timeTip);
  els.clean = button('Run cleaner', CLEAN_TIP);
  const row2 = el('div', 'lab-control-row');
  row2.append(el('span', 'lab-field-name', 'Advance time'), els.plus10, els.plus60, els.clean);
  controls.append(row1, row2);
  els.controls = controls;

  const logWrap = el('div', 'lab-log-wrap');
  els.log = el('ol', 'lab-log');
  els.log.id = 'lab-log';
  els.log.setAttribute('role', 'log');
  logWrap.append(el('h3', 'lab-h3', 'What happened'), els.log);

  left.append(folderHead, els.folder, controls, logWrap);
  return left;
}

function middleColumn(els, pageBatches) {
  const middle = el('section', 'lab-col lab-middle');
  middle.setAttribute('aria-label', 'Record batches');
  const batchHead = el('div', 'lab-batch-head');
  els.batchTitle = el('h3', 'lab-h3', 'Batches');
  els.batchTitle.title = FILE_TIPS.log;
  els.pageInfo = el('span', 'lab-page-info');
  els.prev = button('‹ Prev', `The previous ${pageBatches} batches`);
  els.next = button('Next ›', `The next ${pageBatches} batches`);
  batchHead.append(els.batchTitle, els.pageInfo, els.prev, els.next);
  const colHead = el('div', 'lab-rec-cols');
  for (const [t, tip] of [
    ['offset', 'baseOffset + offsetDelta'],
    ['timestamp', 'baseTimestamp + timestampDelta (ms)'],
    ['key', 'The record key (null: no key)'],
    ['value', 'The record value (null: a tombstone)'],
  ]) {
    const c = el('span', '', t);
    c.title = tip;
    colHead.append(c);
  }
  els.batches = el('div', 'lab-batches');
  middle.append(batchHead, colHead, els.batches);
  return middle;
}

function rightColumn(els) {
  const right = el('section', 'lab-col lab-right');
  right.setAttribute('aria-label', 'Index files');
  els.indexTitle = el('h3', 'lab-h3', '.index');
  els.indexTitle.title = FILE_TIPS.index;
  els.indexNote = el('div', 'lab-index-note');
  els.index = el('div', 'lab-index');
  els.timeTitle = el('h3', 'lab-h3', '.timeindex');
  els.timeTitle.title = FILE_TIPS.timeindex;
  els.timeNote = el('div', 'lab-index-note');
  els.timeindex = el('div', 'lab-index lab-timeindex');
  right.append(els.indexTitle, els.indexNote, els.index, els.timeTitle, els.timeNote, els.timeindex);
  return right;
}
