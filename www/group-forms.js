// The consumer-group forms in the form box over the canvas (DataForms
// methods, mixed in by app.js): add a group (group.id, topics, how many
// consumers, assignor, auto.offset.reset, auto-commit and its interval,
// processing rate, session and heartbeat timeouts), the one-click "two
// groups on one topic" preset, and seek to an offset or a timestamp.
// Every consumer is one add_consumer Command through sim.apply.

import { el } from './panels.js';
import { field, numberField, select, whole } from './data-forms.js';
import { GROUP_TIPS } from './group-tips.js';

/** Settings the app starts a group with (scaled down from Kafka's defaults). */
export const GROUP_DEFAULTS = {
  count: 3,
  assignor: 'range',
  reset: 'earliest',
  autoCommit: true,
  interval: 5000,
  rate: 20,
  session: 6000,
  heartbeat: 1000,
  metadataAge: 5000,
};

/** The add_consumer commands for `count` consumers of one group. */
export function groupCommands(group, topics, s) {
  const config = {
    'group.id': group,
    topics,
    'partition.assignment.strategy': s.assignor,
    'auto.offset.reset': s.reset,
    'enable.auto.commit': s.autoCommit,
    'auto.commit.interval.ms': s.interval,
    'session.timeout.ms': s.session,
    'heartbeat.interval.ms': s.heartbeat,
    'metadata.max.age.ms': s.metadataAge,
    processing_rate: s.rate,
  };
  return Array.from({ length: s.count }, () => ({ type: 'add_consumer', config }));
}

/** The first of g, g2, g3... that no consumer uses. */
function freeGroupId(status, base = 'g') {
  const taken = new Set((status?.consumers ?? []).map((c) => c.group));
  let name = base;
  for (let i = 2; taken.has(name); i += 1) name = `${base}${i}`;
  return name;
}

function userTopics(status) {
  return (status?.topics ?? []).filter((t) => !t.internal).map((t) => t.name);
}

/** The group forms (DataForms methods). */
export const groupForms = {

  openGroup(topic) {
    const status = this.sim.status();
    const topics = userTopics(status);
    const { form, error } = this.frame(
      'Add consumer group',
      'Consumers with one group.id: each finds the coordinator (FindCoordinator), joins (JoinGroup); the first to join leads and runs the assignor; SyncGroup hands out the partitions. Then they fetch, process and commit.',
    );
    if (topics.length === 0) {
      this.needTopic(form);
      return;
    }
    const idIn = el('input', 'form-input');
    idIn.id = 'group-id';
    idIn.type = 'text';
    idIn.value = freeGroupId(status);
    idIn.maxLength = 249;
    field(form, 'group.id', idIn, GROUP_TIPS.groupId);
    const box = el('div', 'form-checks');
    box.id = 'group-topics';
    const checks = topics.map((t, i) => {
      const c = el('input', 'form-check');
      c.type = 'checkbox';
      c.id = `group-topic-${i}`;
      c.value = t;
      c.checked = topic ? t === topic : i === 0;
      c.title = GROUP_TIPS.topics;
      const l = el('label', 'form-check-label', t);
      l.htmlFor = c.id;
      l.prepend(c);
      box.append(l);
      return c;
    });
    const topicsLabel = el('span', 'form-label', 'topics');
    topicsLabel.title = GROUP_TIPS.topics;
    box.title = GROUP_TIPS.topics;
    form.append(topicsLabel, box);
    const d = GROUP_DEFAULTS;
    const count = numberField(form, 'group-count', 'consumers', d.count, 1, 16, GROUP_TIPS.count);
    const assignor = select(
      form,
      'group-assignor',
      'partition.assignment.strategy',
      [
        ['range', 'range'],
        ['roundrobin', 'roundrobin'],
        ['sticky', 'sticky'],
      ],
      d.assignor,
      GROUP_TIPS.assignor,
    );
    const reset = select(
      form,
      'group-reset',
      'auto.offset.reset',
      [
        ['earliest', 'earliest'],
        ['latest', 'latest'],
        ['none', 'none'],
      ],
      d.reset,
      GROUP_TIPS.reset,
    );
    const auto = el('input', 'form-check');
    auto.id = 'group-auto-commit';
    auto.type = 'checkbox';
    auto.checked = d.autoCommit;
    field(form, 'enable.auto.commit', auto, GROUP_TIPS.autoCommit);
    const interval = numberField(form, 'group-interval', 'auto.commit.interval.ms', d.interval, 1, 3600000, GROUP_TIPS.commitInterval);
    auto.addEventListener('change', () => {
      interval.disabled = !auto.checked;
    });
    const rate = numberField(form, 'group-rate', 'processing rate (records/s)', d.rate, 0, 100000, GROUP_TIPS.rate, 'any');
    const session = numberField(form, 'group-session', 'session.timeout.ms', d.session, 6000, 1800000, GROUP_TIPS.session);
    const heartbeat = numberField(form, 'group-heartbeat', 'heartbeat.interval.ms', d.heartbeat, 1, 600000, GROUP_TIPS.heartbeat);
    const age = numberField(form, 'group-metadata-age', 'metadata.max.age.ms', d.metadataAge, 1, 86400000, GROUP_TIPS.metadataAge);
    this.buttons(form, error, 'Add group', 'Start the consumers (add_consumer, one per consumer)', () => {
      const group = idIn.value.trim();
      if (!/^[^\u0000-\u001f]{1,249}$/.test(group)) throw new Error('group.id must be 1 to 249 printable characters');
      const chosen = checks.filter((c) => c.checked).map((c) => c.value);
      if (chosen.length === 0) throw new Error('topics: choose at least one topic to subscribe to');
      const r = Number(rate.value.trim());
      if (!Number.isFinite(r) || r < 0 || r > 100000) throw new Error('processing rate must be a number from 0 to 100000');
      const s = whole(session, 'session.timeout.ms', 6000, 1800000);
      const h = whole(heartbeat, 'heartbeat.interval.ms', 1, 600000);
      if (h >= s) throw new Error('heartbeat.interval.ms must be lower than session.timeout.ms, as Kafka requires');
      return groupCommands(group, chosen, {
        count: whole(count, 'consumers', 1, 16),
        assignor: assignor.value,
        reset: reset.value,
        autoCommit: auto.checked,
        interval: auto.checked ? whole(interval, 'auto.commit.interval.ms', 1, 3600000) : d.interval,
        rate: r,
        session: s,
        heartbeat: h,
        metadataAge: whole(age, 'metadata.max.age.ms', 1, 86400000),
      });
    });
  },

  /** The preset: a 3-consumer group and a 1-consumer group on one topic. */
  twoGroups(topic) {
    const status = this.sim.status();
    const topics = userTopics(status);
    const t = topic && topics.includes(topic) ? topic : topics[0];
    if (!t) {
      this.openGroup();
      return;
    }
    const queue = freeGroupId(status, 'queue');
    const pubsub = freeGroupId(status, 'pubsub');
    const cmds = [
      ...groupCommands(queue, [t], { ...GROUP_DEFAULTS, count: 3 }),
      ...groupCommands(pubsub, [t], { ...GROUP_DEFAULTS, count: 1 }),
    ];
    for (const c of cmds) if (this.sim.apply(c, { quiet: true }) === null) return;
    this.sim.note(`groups ${queue} (3 consumers) and ${pubsub} (1 consumer) read ${t}`);
  },

  /** Seek to an offset or a timestamp: asks for the number. */
  openSeek(consumer, topic, partition, to) {
    const status = this.sim.status();
    const mine = status?.consumers?.find((c) => c.id === consumer);
    const at = mine?.assignment?.find((a) => a.topic === topic && a.partition === partition);
    const byTime = to === 'timestamp';
    const { form, error } = this.frame(
      `Seek consumer-${consumer} on ${topic}-${partition}`,
      byTime ? GROUP_TIPS.seekTimestamp : GROUP_TIPS.seekOffset,
    );
    const start = byTime ? Math.max(0, Number(status?.now_ms ?? 0) - 10000) : Math.max(0, Number(at?.position ?? 0) - 10);
    const v = numberField(form, 'seek-value', byTime ? 'timestamp (ms)' : 'offset', start, 0, undefined, byTime ? GROUP_TIPS.seekTimestamp : GROUP_TIPS.seekOffset);
    this.buttons(form, error, 'Seek', byTime ? GROUP_TIPS.seekTimestamp : GROUP_TIPS.seekOffset, () => ({
      type: 'seek',
      consumer,
      topic,
      partition,
      to,
      value: whole(v, byTime ? 'timestamp' : 'offset', 0, Number.MAX_SAFE_INTEGER),
    }));
  },
};
