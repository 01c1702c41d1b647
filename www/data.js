// Topics, producers and the records lost after an acknowledgement: the
// forms that create a topic or add a producer, the side panel that lists
// topics and producers with their actions, and the acked-but-lost counter
// with its table. Every action is one Command JSON through sim.apply (the
// one door); everything shown is built with createElement + textContent.

import { el } from './panels.js';

// ---------------------------------------------------------------- tooltips (Kafka's names and defaults)

export const DATA_TIPS = {
  name: 'Topic name: letters, digits, ".", "_" and "-" (kafka-topics --topic).',
  partitions:
    'kafka-topics --partitions: how many partitions (folders of segments) the topic has. Each partition has one leader; producers write to leaders.',
  rf: 'kafka-topics --replication-factor: copies of every partition, on different brokers. At most the number of live brokers.',
  assignment:
    'Where the replicas go. The notes\' scheme: brokers sorted, partition i\'s leader on broker i mod n and its replica j on broker (i + j) mod n. Kafka\'s own (AdminUtils.assignReplicasToBrokers): a random start index and follower shift, so leaders of different topics spread over the brokers.',
  minIsr:
    'min.insync.replicas (Kafka default 1): with acks=all, a leader whose ISR is smaller than this refuses writes with NOT_ENOUGH_REPLICAS instead of acknowledging records that too few brokers hold.',
  unclean:
    'unclean.leader.election.enable (Kafka default false): when every ISR member is down, elect a replica outside the ISR anyway. The partition comes back sooner, but records only the old ISR had are lost, acknowledged or not.',
  topic: 'The topic the producer writes to.',
  acks: 'acks (Kafka default all since 3.0, 1 before): 0 = the producer does not wait for any answer; 1 = the leader appended the batch; all = every ISR member has it (and the ISR is at least min.insync.replicas). acks=0 and 1 can lose acknowledged records when a leader dies before its followers copied them.',
  rate: 'Simulated workload: records the producer sends per simulated second (0: only when you click Send one).',
  keys: 'Simulated workload: keys drawn from key-0 .. key-(N-1); a key goes to partition (murmur2(key) & 0x7fffffff) % partitions. 0 = no keys: the sticky partitioner fills one batch, then moves to another partition.',
  batchSize:
    'batch.size (Kafka default 16384 bytes): a partition\'s batch leaves when it is this full. Scaled down here so batches visibly fill.',
  linger:
    'linger.ms (Kafka default 5; 0 before 3.x clients): how long a batch may wait for more records before it leaves anyway. Scaled up here so batches stay on screen long enough to watch them fill.',
  valueBytes: 'Simulated workload: bytes of each record\'s value (at least its id, producer-N#seq).',
  sendOne: 'Send one record now: the producer partitions it, appends it to a batch and sends it when the batch is ready (batch.size or linger.ms).',
  crashProducer:
    'Kill the producer process. Records still in its accumulator (queued or in flight, not yet acknowledged) are lost with it: that is what buffer loss looks like.',
  addPartitions:
    'kafka-topics --alter --partitions N: partitions can only be added, never removed. Keyed records may now map to other partitions (murmur2 % the new count).',
  preferred:
    'kafka-leader-election --election-type preferred: move leadership back to each partition\'s first assigned replica, when it is alive and in the ISR (what auto.leader.rebalance.enable does periodically).',
  deleteTopic:
    'kafka-topics --delete: writes /admin/delete_topics/<topic>; the controller stops and deletes every replica, then removes the topic\'s znodes.',
  lost: 'Records a producer saw acknowledged that the partition no longer holds: a new leader was elected without them (acks=0 or 1 with a dead leader, or an unclean election). Click to list them.',
};

/** Reads a whole number from an input, or throws a message naming the field. */
function whole(input, name, min, max) {
  const raw = input.value.trim();
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function field(form, label, input, tip) {
  const l = el('label', 'form-label', label);
  l.htmlFor = input.id;
  l.title = tip;
  input.title = tip;
  form.append(l, input);
  return input;
}

function numberField(form, id, label, value, min, max, tip, step = '1') {
  const input = el('input', 'form-input');
  input.id = id;
  input.type = 'number';
  input.min = String(min);
  if (max !== undefined) input.max = String(max);
  input.step = step;
  input.value = String(value);
  return field(form, label, input, tip);
}

function select(form, id, label, options, value, tip) {
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

// ---------------------------------------------------------------- forms

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
    const head = el('div', 'form-head');
    const h = el('h2', 'form-title', title);
    h.id = 'form-title';
    const x = el('button', 'form-close', '×');
    x.type = 'button';
    x.title = 'Close (Escape)';
    x.setAttribute('aria-label', 'Close');
    x.addEventListener('click', () => this.close());
    head.append(h, x);
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
      if (this.sim.apply(cmd) !== null) this.close();
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
      form.append(el('p', 'form-intro', 'There is no topic yet: create one first.'));
      const row = el('div', 'form-buttons');
      const create = el('button', 'primary', 'Create topic…');
      create.type = 'button';
      create.addEventListener('click', () => this.openTopic());
      row.append(create);
      form.append(row);
      this.root.hidden = false;
      create.focus();
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

// ---------------------------------------------------------------- side panel

/** The side panel's topic and producer lists with their actions. */
export class DataPanel {
  constructor(sim, root, forms) {
    this.sim = sim;
    this.root = root;
    this.forms = forms;
    this.topicList = root.querySelector('#topic-list');
    this.producerList = root.querySelector('#producer-list');
    this.shape = '';
    this.rows = new Map();
  }

  button(label, tip, run, className = '') {
    const b = el('button', `small ${className}`.trim(), label);
    b.type = 'button';
    b.title = tip;
    b.addEventListener('click', run);
    b.addEventListener('mouseup', () => b.blur());
    return b;
  }

  /** Redraws the lists when topics or producers change; updates the numbers in place. */
  render(status) {
    const topics = status.topics ?? [];
    const producers = status.producers ?? [];
    const shape = JSON.stringify([
      topics.map((t) => [t.name, t.partitions, t.color]),
      producers.map((p) => [p.id, p.alive, p.acks, p.topic]),
    ]);
    if (shape !== this.shape) {
      this.shape = shape;
      this.build(topics, producers);
    }
    for (const t of topics) {
      const row = this.rows.get(`t:${t.name}`);
      if (!row) continue;
      const cfg = [
        `${t.partitions} partitions · RF ${t.replication_factor}`,
        `min.insync ${t.min_insync_replicas ?? '?'}`,
        t.unclean_leader_election_enable ? 'unclean on' : 'unclean off',
      ].join(' · ');
      row.info.textContent = cfg;
      const health = [];
      if (t.offline) health.push(`${t.offline} offline`);
      if (t.under_replicated) health.push(`${t.under_replicated} under-replicated`);
      row.health.textContent = health.length ? health.join(' · ') : 'all in sync';
      row.health.classList.toggle('bad', health.length > 0);
    }
    for (const p of producers) {
      const row = this.rows.get(`p:${p.id}`);
      if (!row) continue;
      row.info.textContent = p.alive
        ? `sent ${p.sent} · acked ${p.acked} · failed ${p.failed} · buffered ${p.queued} · in flight ${p.in_flight}`
        : `crashed: ${p.lost_in_buffer} buffered records lost · acked ${p.acked} of ${p.sent}`;
      row.info.classList.toggle('bad', !p.alive || p.failed > 0);
    }
  }

  build(topics, producers) {
    this.rows.clear();
    this.topicList.replaceChildren();
    if (topics.length === 0) this.topicList.append(el('li', 'data-empty', 'No topics yet.'));
    for (const t of topics) {
      const li = el('li', 'data-row');
      const head = el('div', 'data-head');
      const chip = el('span', 'topic-chip');
      chip.style.backgroundColor = t.color;
      head.append(chip, el('span', 'data-name', t.name));
      const info = el('div', 'data-info');
      const health = el('div', 'data-health');
      const actions = el('div', 'data-actions');
      actions.append(
        this.button('+ partitions', DATA_TIPS.addPartitions, () => this.forms.openAddPartitions(t.name, t.partitions)),
        this.button('Preferred leaders', DATA_TIPS.preferred, () =>
          this.sim.apply({ type: 'elect_preferred_leaders', topic: t.name }),
        ),
        this.button('+ producer', 'Add a producer writing to this topic', () => this.forms.openProducer(t.name)),
        this.button('Delete', DATA_TIPS.deleteTopic, () => this.sim.apply({ type: 'delete_topic', topic: t.name }), 'danger'),
      );
      li.append(head, info, health, actions);
      this.topicList.append(li);
      this.rows.set(`t:${t.name}`, { info, health });
    }
    this.producerList.replaceChildren();
    if (producers.length === 0) this.producerList.append(el('li', 'data-empty', 'No producers yet.'));
    for (const p of producers) {
      const li = el('li', `data-row${p.alive ? '' : ' dead'}`);
      const head = el('div', 'data-head');
      head.append(el('span', 'data-name', `producer ${p.id}`), el('span', 'data-sub', `→ ${p.topic} · acks=${p.acks}`));
      const info = el('div', 'data-info');
      const actions = el('div', 'data-actions');
      if (p.alive) {
        actions.append(
          this.button('Send one', DATA_TIPS.sendOne, () => this.sim.apply({ type: 'produce_record', producer: p.id })),
          ...['0', '1', 'all']
            .filter((a) => a !== p.acks)
            .map((a) =>
              this.button(`acks=${a}`, `set_producer: change acks to ${a}. ${DATA_TIPS.acks}`, () =>
                this.sim.apply({ type: 'set_producer', producer: p.id, config: { ...p.config, acks: a } }),
              ),
            ),
          this.button('Crash', DATA_TIPS.crashProducer, () => this.sim.apply({ type: 'crash_producer', producer: p.id }), 'danger'),
        );
      }
      li.append(head, info, actions);
      this.producerList.append(li);
      this.rows.set(`p:${p.id}`, { info });
    }
  }
}

// ---------------------------------------------------------------- acknowledged but lost

/** The always-visible counter and the table of lost records it opens. */
export class LostRecords {
  constructor(sim, counter, dialog) {
    this.sim = sim;
    this.counter = counter;
    this.dialog = dialog;
    this.shown = -1;
    counter.title = DATA_TIPS.lost;
    counter.addEventListener('click', () => (this.isOpen() ? this.close() : this.open()));
    counter.addEventListener('mouseup', () => counter.blur());
    dialog.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        this.close();
      }
      ev.stopPropagation();
    });
  }

  isOpen() {
    return !this.dialog.hidden;
  }

  render(status) {
    const n = Number(status.acked_lost ?? 0);
    if (n !== this.shown) {
      this.shown = n;
      this.counter.textContent = `acked but lost: ${n}`;
      this.counter.classList.toggle('bad', n > 0);
      if (this.isOpen()) this.fill();
    }
  }

  open() {
    this.fill();
    this.dialog.hidden = false;
    this.dialog.querySelector('button')?.focus();
  }

  close() {
    this.dialog.hidden = true;
    this.dialog.replaceChildren();
  }

  fill() {
    let records = [];
    try {
      records = JSON.parse(this.sim.app.acked_lost());
    } catch (err) {
      this.sim.showError(err);
    }
    const d = this.dialog;
    d.replaceChildren();
    const head = el('div', 'form-head');
    const h = el('h2', 'form-title', `Acknowledged, then lost: ${this.shown}`);
    h.id = 'lost-title';
    const x = el('button', 'form-close', '×');
    x.type = 'button';
    x.title = 'Close (Escape)';
    x.setAttribute('aria-label', 'Close');
    x.addEventListener('click', () => this.close());
    head.append(h, x);
    d.setAttribute('aria-labelledby', 'lost-title');
    d.append(
      head,
      el(
        'p',
        'form-intro',
        'Each row is a record its producer saw acknowledged (acked_by: the leader that answered) and that the partition no longer holds at that offset: a leader without it was elected and the other replicas truncated to it. acks=all with min.insync.replicas ≥ 2 and no unclean election prevents this.',
      ),
    );
    if (records.length === 0) {
      d.append(el('p', 'data-empty', 'None so far. Try a producer with acks=1, then crash the leader of its partitions before the followers catch up (slow a follower first).'));
      return;
    }
    const wrap = el('div', 'lost-wrap');
    const table = el('table', 'lost-table');
    const tr = el('tr');
    for (const [c, tip] of [
      ['partition', 'topic-partition'],
      ['offset', 'The offset the leader acknowledged it at (-1: acks=0, never told)'],
      ['producer', 'Producer id'],
      ['seq', 'The producer\'s running number of the record (its value is producer-N#seq)'],
      ['acked_by', 'The broker that acknowledged it'],
      ['found_at', 'Simulated time the loss was found: a new leader without the record'],
    ]) {
      const th = el('th', '', c);
      th.title = tip;
      tr.append(th);
    }
    const thead = el('thead');
    thead.append(tr);
    const tbody = el('tbody');
    for (const r of records.slice(0, 2000)) {
      const row = el('tr');
      for (const v of [
        `${r.topic}-${r.partition}`,
        r.offset,
        `producer ${r.producer}`,
        r.seq,
        `broker ${r.acked_by}`,
        `${(Number(r.found_at_ms) / 1000).toFixed(3)} s`,
      ]) {
        row.append(el('td', '', v));
      }
      tbody.append(row);
    }
    table.append(thead, tbody);
    wrap.append(table);
    d.append(wrap);
    if (records.length > 2000) d.append(el('p', 'form-intro', `Showing the first 2000 of ${records.length}.`));
  }
}
