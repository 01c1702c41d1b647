// Topics, producers and the records lost after an acknowledgement: the
// tooltips naming Kafka's settings, the side panel that lists topics and
// producers with their actions, and the acked-but-lost counter with its
// table (the forms are in data-forms.js). Every action is one Command JSON
// through sim.apply (the one door); everything shown is built with
// createElement + textContent.

import { dialogHead, el } from './panels.js';

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
  internal:
    'Kafka\'s internal topic, created on the first FindCoordinator: offsets.topic.num.partitions (50) partitions, offsets.topic.replication.factor (3), compacted. It stores each group\'s committed offsets and metadata; the broker leading a group\'s partition is its coordinator. It cannot be deleted or written to by producers.',
  internalToggle: 'Draw every __consumer_offsets partition as a cell in its brokers, or fold them into one strip per broker (the partitions holding a group stay listed).',
  lost: 'Records a producer saw acknowledged that the partition no longer holds: a new leader was elected without them (acks=0 or 1 with a dead leader, or an unclean election). Click to list them.',
};

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

  /** The internal topic's button: what a click on it will do. */
  labelToggle(button) {
    const label = this.sim.app?.internal_expanded() ? 'Fold on the canvas' : 'Draw every partition';
    if (button.textContent !== label) button.textContent = label;
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
      row.info.textContent = t.internal
        ? `${t.partitions} partitions · RF ${t.replication_factor} · compacted: group offsets and metadata`
        : cfg;
      const health = [];
      if (t.offline) health.push(`${t.offline} offline`);
      if (t.under_replicated) health.push(`${t.under_replicated} under-replicated`);
      row.health.textContent = health.length ? health.join(' · ') : 'all in sync';
      row.health.classList.toggle('bad', health.length > 0);
      if (row.toggle) this.labelToggle(row.toggle);
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
      if (t.internal) {
        head.append(el('span', 'data-sub', 'internal'));
        head.title = DATA_TIPS.internal;
        const toggle = this.button('', DATA_TIPS.internalToggle, () => {
          const app = this.sim.app;
          app.set_internal_expanded(!app.internal_expanded());
          this.labelToggle(toggle);
        });
        this.labelToggle(toggle);
        actions.append(toggle);
        li.append(head, info, health, actions);
        this.topicList.append(li);
        this.rows.set(`t:${t.name}`, { info, health, toggle });
        continue;
      }
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
    const head = dialogHead(`Acknowledged, then lost: ${this.shown}`, 'lost-title', () => this.close());
    d.setAttribute('aria-labelledby', 'lost-title');
    d.append(
      head,
      el(
        'p',
        'form-intro',
        'Each row is a record its producer saw acknowledged (acked_by: the leader that answered) and that the partition no longer holds at that offset: a leader without it was elected and the other replicas truncated to it. With acks=0 a record counts as sent once it is written to the socket and has no offset (-1): the new leader\'s log is searched for its value instead. acks=all with min.insync.replicas ≥ 2 and no unclean election prevents this.',
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
        r.offset < 0 ? '-1 (acks=0)' : r.offset,
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
