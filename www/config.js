// The cluster config form (side panel): Kafka's and ZooKeeper's settings by
// their own names, grouped (brokers and ZooKeeper, network, replication,
// defaults of new topics), prefilled from default_config() (the app's
// ClusterConfig). Reset builds the cluster from toJson(): the defaults
// with the form's values put in. Built with createElement + textContent.

import { el } from './panels.js';

/** The fields the config panel offers, by ClusterConfig key. */
const CONFIG_FIELDS = [
  { section: 'Brokers, ZooKeeper, controller' },
  {
    path: ['brokers'],
    label: 'initial brokers',
    step: '1',
    min: '0',
    max: '32',
    integer: true,
    title: 'How many brokers start with the cluster (0 to 32). More can be added with + Broker.',
  },
  {
    path: ['zookeeper.session.timeout.ms'],
    label: 'zookeeper.session.timeout.ms',
    step: '1',
    min: '1',
    integer: true,
    title:
      'How long ZooKeeper keeps a broker\'s session alive without a heartbeat. When it expires, the broker\'s ephemeral znodes (/brokers/ids/N, /controller) are deleted and watchers fire.',
  },
  {
    path: ['tickTime'],
    label: 'tickTime',
    step: '1',
    min: '1',
    integer: true,
    title:
      'ZooKeeper\'s basic time unit in ms. Session timeouts are bounded to 2..20 tickTimes, and expiry is checked once per tick.',
  },
  {
    path: ['controller.socket.timeout.ms'],
    label: 'controller.socket.timeout.ms',
    step: '1',
    min: '1',
    integer: true,
    title:
      'How long the controller waits for a broker to answer a controller request (e.g. UpdateMetadata); after that long without an answer it sends the request again.',
  },
  { section: 'Network' },
  {
    path: ['network', 'latency_min_ms'],
    label: 'latency min (ms)',
    step: '1',
    min: '0',
    integer: true,
    title: 'Smallest one-way network delay of a message.',
  },
  {
    path: ['network', 'latency_max_ms'],
    label: 'latency max (ms)',
    step: '1',
    min: '0',
    integer: true,
    title: 'Largest one-way network delay of a message; each message draws a delay between min and max.',
  },
  {
    path: ['network', 'loss_ratio'],
    label: 'loss ratio (0..1)',
    step: '0.01',
    min: '0',
    max: '1',
    integer: false,
    title:
      'Fraction of packets the network loses at random on every link. Links behave like TCP: a lost packet is retransmitted after 200 ms, the wait doubling each time, and a message is dropped only after 6 losses in a row.',
  },
  { section: 'Replication' },
  {
    path: ['replica.lag.time.max.ms'],
    label: 'replica.lag.time.max.ms',
    step: '1',
    min: '1',
    integer: true,
    title:
      'A follower that has not caught up to the leader\'s log end offset for this long is dropped from the ISR (Kafka default 30000). Slow a follower\'s link past it to watch the ISR shrink.',
  },
  {
    path: ['replica.fetch.wait.max.ms'],
    label: 'replica.fetch.wait.max.ms',
    step: '1',
    min: '0',
    integer: true,
    title:
      'How long the leader may hold a follower\'s fetch when it has nothing new to return, before answering it empty (Kafka default 500). Must stay below replica.lag.time.max.ms.',
  },
  {
    path: ['auto.leader.rebalance.enable'],
    label: 'auto.leader.rebalance.enable',
    bool: true,
    title:
      'The controller periodically (leader.imbalance.check.interval.seconds) moves leadership back to each partition\'s preferred replica, the first in its assignment, when too many partitions on a broker are led elsewhere (Kafka default true).',
  },
  {
    path: ['sim.truncate_to_high_watermark'],
    label: 'sim.truncate_to_high_watermark',
    bool: true,
    note: 'Not a Kafka setting: the pre-KIP-101 rule (Kafka before 0.11). On, a follower truncates to its own high watermark instead of asking the leader where its epoch ends, which can lose acknowledged records.',
    title:
      'The pre-KIP-101 rule (Kafka before 0.11): a follower that restarts or follows a new leader truncates its log to its own high watermark. Since KIP-101 it asks the leader for the end offset of its leader epoch (OffsetsForLeaderEpoch) and truncates there. With this on, the kip101-truncation scenario loses acknowledged records.',
  },
  { section: 'Defaults of new topics (topic_defaults)' },
  {
    path: ['topic_defaults', 'min.insync.replicas'],
    label: 'min.insync.replicas',
    step: '1',
    min: '1',
    integer: true,
    title:
      'With acks=all, a leader whose ISR is smaller than this refuses writes with NOT_ENOUGH_REPLICAS (Kafka default 1). A topic created from the form sets its own.',
  },
  {
    path: ['topic_defaults', 'unclean.leader.election.enable'],
    label: 'unclean.leader.election.enable',
    bool: true,
    title:
      'When every ISR member is down, elect a replica outside the ISR anyway: the partition comes back sooner, but records only the old ISR had are lost (Kafka default false). A topic created from the form sets its own.',
  },
  {
    path: ['topic_defaults', 'segment.bytes'],
    label: 'segment.bytes',
    step: '1',
    min: '1',
    integer: true,
    title: 'A partition\'s active segment is rolled (a new .log, .index and .timeindex) when it would grow past this many bytes (Kafka default 1073741824; scaled down here).',
  },
  {
    path: ['topic_defaults', 'retention.ms'],
    label: 'retention.ms',
    step: '1',
    min: '-1',
    integer: true,
    title: 'Segments whose newest record is older than this are deleted (Kafka default 604800000, 7 days; -1 keeps them forever).',
  },
];

function getPath(obj, path) {
  let v = obj;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || !(k in v)) return undefined;
    v = v[k];
  }
  return v;
}

function setPath(obj, path, value) {
  let v = obj;
  for (const k of path.slice(0, -1)) {
    if (v[k] === null || typeof v[k] !== 'object') v[k] = {};
    v = v[k];
  }
  v[path[path.length - 1]] = value;
}

/** The cluster-config form, prefilled from default_config(). */
export class ConfigPanel {
  constructor(form, defaults) {
    this.form = form;
    this.defaults = defaults;
    this.inputs = [];
    form.replaceChildren();
    let section = null; // a heading waits until a field under it is shown
    for (const field of CONFIG_FIELDS) {
      if (field.section) {
        section = el('h3', 'cfg-section', field.section);
        continue;
      }
      const value = getPath(defaults, field.path);
      if (value === undefined) continue; // the app's config has no such key
      if (section) form.append(section);
      section = null;
      const id = `cfg-${field.path.join('-').replace(/[^a-zA-Z0-9-]/g, '-')}`;
      const label = el('label', 'cfg-label', field.label);
      label.htmlFor = id;
      label.title = field.title;
      const input = el('input', field.bool ? 'cfg-check' : 'cfg-input');
      input.id = id;
      if (field.bool) {
        input.type = 'checkbox';
      } else {
        input.type = 'number';
        input.step = field.step;
        if (field.min !== undefined) input.min = field.min;
        if (field.max !== undefined) input.max = field.max;
      }
      input.title = field.title;
      input.dataset.key = field.path.join('.');
      form.append(label, input);
      if (field.note) form.append(el('p', 'cfg-note', field.note));
      this.inputs.push({ field, input });
      this.show(field, input, value);
    }
    const restore = el('button', 'cfg-restore', 'Restore defaults');
    restore.type = 'button';
    restore.title = 'Put the app\'s default values back into the form (they apply on Reset).';
    restore.addEventListener('click', () => this.restore());
    form.append(restore);
    form.addEventListener('submit', (ev) => ev.preventDefault());
  }

  /** Puts a value into a field's input. */
  show(field, input, value) {
    if (field.bool) input.checked = Boolean(value);
    else input.value = String(value);
  }

  restore() {
    for (const { field, input } of this.inputs) {
      this.show(field, input, getPath(this.defaults, field.path));
    }
  }

  /** The config JSON string for new App(); throws Error on a bad field. */
  toJson() {
    const config = structuredClone(this.defaults);
    for (const { field, input } of this.inputs) {
      if (field.bool) {
        setPath(config, field.path, input.checked);
        continue;
      }
      const raw = input.value.trim();
      const value = Number(raw);
      if (raw === '' || !Number.isFinite(value)) {
        throw new Error(`Cluster config: ${field.label} must be a number`);
      }
      if (field.integer && !Number.isInteger(value)) {
        throw new Error(`Cluster config: ${field.label} must be a whole number`);
      }
      setPath(config, field.path, value);
    }
    return JSON.stringify(config);
  }
}
