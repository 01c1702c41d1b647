// The form box over the canvas: create a topic (partitions, replication
// factor, assignment, min.insync.replicas, unclean election), add a
// producer (acks, rate, keys, batch.size, linger.ms), or add partitions
// (the consumer-group forms are in group-forms.js).
// Inputs are checked here with messages naming the field; a valid form
// becomes Command JSON through sim.apply. Built with createElement +
// textContent.

import { dialogHead, el } from './panels.js';
import { DATA_TIPS } from './data.js';

/** Reads a whole number from an input, or throws a message naming the field. */
export function whole(input, name, min, max) {
  const raw = input.value.trim();
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

/** Adds a labelled input to a form grid, both with the tooltip. */
export function field(form, label, input, tip) {
  const l = el('label', 'form-label', label);
  l.htmlFor = input.id;
  l.title = tip;
  input.title = tip;
  form.append(l, input);
  return input;
}

/** Adds a labelled number input. */
export function numberField(form, id, label, value, min, max, tip, step = '1') {
  const input = el('input', 'form-input');
  input.id = id;
  input.type = 'number';
  input.min = String(min);
  if (max !== undefined) input.max = String(max);
  input.step = step;
  input.value = String(value);
  return field(form, label, input, tip);
}

/** Adds a labelled select of [value, text] options. */
export function select(form, id, label, options, value, tip) {
  const s = el('select', 'form-input');
  s.id = id;
  for (const [v, text] of options) {
    const o = el('option', '', text);
    o.value = v;
    s.append(o);
  }
  s.value = value;
  return field(form, label, s, tip);
}

/** The form box over the canvas: create a topic, or add a producer. */
export class DataForms {
  constructor(sim, root) {
    this.sim = sim;
    this.root = root;
    root.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        this.close();
      }
      ev.stopPropagation(); // typing here must not drive the cluster
    });
  }

  /** "Create a topic first" in place of a form that needs one. */
  needTopic(form) {
    form.append(el('p', 'form-intro', 'There is no topic yet: create one first.'));
    const row = el('div', 'form-buttons');
    const create = el('button', 'primary', 'Create topic…');
    create.type = 'button';
    create.addEventListener('click', () => this.openTopic());
    row.append(create);
    form.append(row);
    this.root.hidden = false;
    create.focus();
  }

  isOpen() {
    return !this.root.hidden;
  }

  close() {
    this.root.hidden = true;
    this.root.replaceChildren();
  }

  frame(title, intro) {
    const r = this.root;
    r.replaceChildren();
    const head = dialogHead(title, 'form-title', () => this.close());
    r.append(head, el('p', 'form-intro', intro));
    const form = el('form', 'form-grid');
    form.autocomplete = 'off';
    r.append(form);
    const error = el('p', 'form-error');
    error.hidden = true;
    r.setAttribute('aria-labelledby', 'form-title');
    return { form, error };
  }

  buttons(form, error, label, tip, submit) {
    const row = el('div', 'form-buttons');
    const ok = el('button', 'primary', label);
    ok.type = 'submit';
    ok.title = tip;
    const cancel = el('button', '', 'Cancel');
    cancel.type = 'button';
    cancel.addEventListener('click', () => this.close());
    row.append(ok, cancel);
    form.append(row);
    this.root.append(error);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      let cmd;
      try {
        cmd = submit();
      } catch (err) {
        error.textContent = err.message;
        error.hidden = false;
        return;
      }
      // One command, or several in order (stopping at the first refused).
      const cmds = Array.isArray(cmd) ? cmd : [cmd];
      if (cmds.every((c) => this.sim.apply(c) !== null)) this.close();
    });
    this.root.hidden = false;
    const first = form.querySelector('input, select');
    first?.focus();
    first?.select?.();
  }

  openTopic() {
    const status = this.sim.status();
    const taken = new Set((status?.topics ?? []).map((t) => t.name));
    let name = 'orders';
    for (let i = 2; taken.has(name); i += 1) name = `topic-${i}`;
    const live = (status?.brokers ?? []).filter((b) => b.state === 'running').length;
    const { form, error } = this.frame(
      'Create topic',
      'kafka-topics --create: the assignment is written to /brokers/topics/<name>; the controller sees it, elects a leader per partition and sends LeaderAndIsr to the replicas.',
    );
    const nameIn = el('input', 'form-input');
    nameIn.id = 'topic-name';
    nameIn.type = 'text';
    nameIn.value = name;
    nameIn.maxLength = 249;
    field(form, 'name', nameIn, DATA_TIPS.name);
    const parts = numberField(form, 'topic-partitions', 'partitions', 3, 1, 1000, DATA_TIPS.partitions);
    const rf = numberField(form, 'topic-rf', 'replication factor', Math.max(1, Math.min(3, live)), 1, 32, DATA_TIPS.rf);
    const scheme = select(
      form,
      'topic-assignment',
      'assignment',
      [
        ['notes', "notes' scheme (i+j) mod n"],
        ['kafka', "Kafka's (random start, shift)"],
      ],
      'notes',
      DATA_TIPS.assignment,
    );
    const minIsr = numberField(form, 'topic-min-isr', 'min.insync.replicas', 1, 1, 32, DATA_TIPS.minIsr);
    const unclean = el('input', 'form-check');
    unclean.id = 'topic-unclean';
    unclean.type = 'checkbox';
    field(form, 'unclean.leader.election.enable', unclean, DATA_TIPS.unclean);
    this.buttons(form, error, 'Create', 'Create the topic (kafka-topics --create)', () => {
      const n = nameIn.value.trim();
      if (!/^[A-Za-z0-9._-]{1,249}$/.test(n)) throw new Error(DATA_TIPS.name);
      return {
        type: 'create_topic',
        name: n,
        partitions: whole(parts, 'partitions', 1, 1000),
        replication_factor: whole(rf, 'replication factor', 1, 32),
        assignment: scheme.value,
        configs: {
          'min.insync.replicas': String(whole(minIsr, 'min.insync.replicas', 1, 32)),
          'unclean.leader.election.enable': unclean.checked ? 'true' : 'false',
        },
      };
    });
  }

  openProducer(topic) {
    const status = this.sim.status();
    const topics = (status?.topics ?? []).map((t) => t.name);
    const { form, error } = this.frame(
      'Add producer',
      'A KafkaProducer: it asks a broker for metadata, partitions each record, appends it to that partition\'s batch in its accumulator, and sends ready batches to each partition\'s leader.',
    );
    if (topics.length === 0) {
      this.needTopic(form);
      return;
    }
    const t = select(
      form,
      'producer-topic',
      'topic',
      topics.map((n) => [n, n]),
      topic && topics.includes(topic) ? topic : topics[0],
      DATA_TIPS.topic,
    );
    const acks = select(
      form,
      'producer-acks',
      'acks',
      [
        ['all', 'all (-1)'],
        ['1', '1'],
        ['0', '0'],
      ],
      'all',
      DATA_TIPS.acks,
    );
    const rate = numberField(form, 'producer-rate', 'rate (records/s)', 20, 0, 100000, DATA_TIPS.rate, 'any');
    const keys = numberField(form, 'producer-keys', 'key space (0 = no keys)', 0, 0, 1000000, DATA_TIPS.keys);
    const batch = numberField(form, 'producer-batch', 'batch.size', 1024, 64, 1048576, DATA_TIPS.batchSize);
    const linger = numberField(form, 'producer-linger', 'linger.ms', 200, 0, 60000, DATA_TIPS.linger);
    const value = numberField(form, 'producer-value', 'value bytes', 100, 0, 65536, DATA_TIPS.valueBytes);
    this.buttons(form, error, 'Add', 'Start the producer', () => {
      const r = Number(rate.value.trim());
      if (!Number.isFinite(r) || r < 0 || r > 100000) throw new Error('rate must be a number from 0 to 100000');
      return {
        type: 'add_producer',
        config: {
          topic: t.value,
          acks: acks.value,
          rate: r,
          key_space: whole(keys, 'key space', 0, 1000000),
          'batch.size': whole(batch, 'batch.size', 64, 1048576),
          'linger.ms': whole(linger, 'linger.ms', 0, 60000),
          value_bytes: whole(value, 'value bytes', 0, 65536),
        },
      };
    });
  }

  openAddPartitions(topic, current) {
    const { form, error } = this.frame(`Add partitions to ${topic}`, DATA_TIPS.addPartitions);
    const n = numberField(form, 'partitions-total', 'new partition count', current + 1, current + 1, 1000, DATA_TIPS.addPartitions);
    this.buttons(form, error, 'Add partitions', DATA_TIPS.addPartitions, () => ({
      type: 'add_partitions',
      topic,
      partitions: whole(n, 'partition count', current + 1, 1000),
    }));
  }
}
