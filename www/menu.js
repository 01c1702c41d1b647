// The popup menus that a click on the canvas opens: what can be done to a
// broker, to ZooKeeper, to a link, or on empty space. Every item becomes one
// Command JSON that goes through sim.apply (the one door into the simulation).

import { el, nodeLabel } from './panels.js';
import { DATA_TIPS } from './data.js';

// ---------------------------------------------------------------- tooltips

const TIPS = {
  crash:
    'kill -9: the process dies at once, without a word to anyone. Its ZooKeeper session lives on until zookeeper.session.timeout.ms passes without a heartbeat; then ZooKeeper deletes its ephemeral znodes (/brokers/ids/N, and /controller if it was the controller) and the other brokers\' watches fire.',
  shutdown:
    'Controlled shutdown (kill -TERM): the broker tells the controller it is leaving so leadership moves away first, then closes its ZooKeeper session, so its ephemeral znodes disappear at once instead of after the session timeout.',
  cutZk:
    'Drop every message between this broker and ZooKeeper, both ways. The broker keeps running but its heartbeats stop arriving; ZooKeeper expires its session after zookeeper.session.timeout.ms.',
  isolate:
    'Cut every link of this broker: to ZooKeeper and to every other broker. A full network partition: it can neither heartbeat nor hear from the controller.',
  restart:
    'Start the broker process again: it opens a new ZooKeeper session, registers /brokers/ids/N, watches /controller and joins the election if there is no controller. As in Kafka, a broker restarted while its previous ZooKeeper session is still alive fails to start: /brokers/ids/N is still held by the old session (NODEEXISTS). Once that session has expired (zookeeper.session.timeout.ms after the crash), the restart succeeds.',
  heal: 'Restore every cut link to and from this broker, both ways.',
  cutBoth: 'Drop every message on this link in both directions, like a pulled cable.',
  cutOneWay:
    'Drop only the messages going this way: an asymmetric partition. Messages the other way still arrive, so requests may get through while their responses vanish (or the reverse).',
  healLink: 'Restore this link in both directions.',
  openFolder:
    'Open this replica\'s partition folder in the storage inspector: its segment files (.log, .index, .timeindex), record batches, index entries and leader-epoch-checkpoint, and step through finding an offset. A copy taken now; Refresh reads it again.',
  slow:
    'set_link between this follower\'s broker and the leader\'s: raise the latency of every message on that link both ways. Its fetches arrive late, so it lags; once it has not caught up for replica.lag.time.max.ms the leader drops it from the ISR (AlterIsr).',
  restoreLink: 'set_link back to the cluster\'s network settings (latency and loss from the Cluster config).',
  sendTo: 'produce_record with an explicit partition: an explicit partition wins over the key and the sticky partitioner.',
  addBroker:
    'Start a new broker process with the next free broker.id. It opens a ZooKeeper session, registers the ephemeral znode /brokers/ids/N and, if there is no controller, races to create /controller.',
};

/** Why a crashed or stopped broker is down: the engine's reason in full, or a plain fallback. */
function stopReason(hit, state, fromStatus) {
  const given = typeof hit.reason === 'string' ? hit.reason : fromStatus;
  const reason = typeof given === 'string' ? given.trim() : '';
  if (reason) return `Why it stopped: ${reason}`;
  return state === 'crashed'
    ? 'Why it stopped: the process was killed (kill -9).'
    : 'Why it stopped: the broker process is not running.';
}

// ---------------------------------------------------------------- popup menu

/** Step and reach of the hit-test walk that finds a node box's edges. */
const NODE_PROBE_STEP_PX = 4;
const NODE_PROBE_MAX_PX = 400;

/** The popup menu that a click on the canvas opens. */
export class CanvasMenu {
  constructor(sim, canvas, popup, stage, { forms = null, storage = null } = {}) {
    this.sim = sim;
    this.forms = forms;
    this.storage = storage;
    this.canvas = canvas;
    this.popup = popup;
    this.stage = stage;

    canvas.addEventListener('click', (ev) => this.onClick(ev));
    canvas.addEventListener('mousemove', (ev) => this.onHover(ev));
    canvas.addEventListener('mouseleave', () => {
      canvas.style.cursor = '';
    });
    // A press anywhere outside the popup closes it (the canvas click that
    // follows may open a new one).
    document.addEventListener(
      'pointerdown',
      (ev) => {
        if (this.isOpen() && !this.popup.contains(ev.target)) this.close();
      },
      true,
    );
    window.addEventListener('blur', () => this.close());
    this.hoverPending = false;
  }

  isOpen() {
    return !this.popup.hidden;
  }

  contains(target) {
    return target instanceof Node && this.popup.contains(target);
  }

  close() {
    if (!this.isOpen()) return;
    this.popup.hidden = true;
    this.popup.replaceChildren();
  }

  cssPoint(ev) {
    const rect = this.canvas.getBoundingClientRect();
    return { x: ev.clientX - rect.left, y: ev.clientY - rect.top };
  }

  hit(x, y) {
    const app = this.sim.app;
    if (!app) return { kind: 'empty' };
    try {
      return JSON.parse(app.hit(x, y));
    } catch (err) {
      this.sim.showError(err);
      return null;
    }
  }

  onHover(ev) {
    if (this.hoverPending) return;
    this.hoverPending = true;
    const { x, y } = this.cssPoint(ev);
    requestAnimationFrame(() => {
      this.hoverPending = false;
      const app = this.sim.app;
      if (!app) return;
      let kind = 'empty';
      try {
        kind = JSON.parse(app.hit(x, y)).kind;
      } catch {
        kind = 'empty';
      }
      this.canvas.style.cursor = kind === 'empty' ? 'default' : 'pointer';
    });
  }

  onClick(ev) {
    const { x, y } = this.cssPoint(ev);
    const hit = this.hit(x, y);
    if (!hit) return;
    if (hit.kind === 'node' && hit.node === 'zk') this.openZk(x, y);
    else if (hit.kind === 'node' && String(hit.node).startsWith('producer-')) this.openProducer(hit, x, y);
    else if (hit.kind === 'node') this.openBroker(hit, x, y);
    else if (hit.kind === 'replica') this.openReplica(hit, x, y);
    else if (hit.kind === 'link') this.openLink(hit, x, y);
    else this.openEmpty(x, y);
  }

  /** Anchor beside a node's box (its extent found by hit-testing), or the click point. */
  anchorFor(node, x, y) {
    let c = null;
    try {
      c = JSON.parse(this.sim.app.node_center(node));
    } catch {
      c = null;
    }
    if (!c || !Number.isFinite(c.x) || !Number.isFinite(c.y)) return { x, y, gap: 12 };
    const isNode = (px, py) => {
      try {
        const h = JSON.parse(this.sim.app.hit(px, py));
        return h.kind === 'node' && h.node === node;
      } catch {
        return false;
      }
    };
    // Walk right and up from the centre to the box's edges (bounded).
    let halfW = 0;
    while (halfW < NODE_PROBE_MAX_PX && isNode(c.x + halfW + NODE_PROBE_STEP_PX, c.y)) halfW += NODE_PROBE_STEP_PX;
    let halfH = 0;
    while (halfH < NODE_PROBE_MAX_PX && isNode(c.x, c.y - halfH - NODE_PROBE_STEP_PX)) halfH += NODE_PROBE_STEP_PX;
    return { x: c.x, y: c.y - halfH + 16, gap: halfW + 10, below: c.y + halfH + 8 };
  }

  openBroker(hit, x, y) {
    const id = Number(/^broker-(\d+)$/.exec(hit.node)?.[1]);
    const name = hit.node;
    const state = hit.state ?? 'unknown';
    const items = [];
    if (state === 'running') {
      items.push(
        { label: 'Crash (kill -9)', title: TIPS.crash, danger: true, run: () => this.apply({ type: 'crash_broker', broker: id }) },
        { label: 'Clean shutdown', title: TIPS.shutdown, run: () => this.apply({ type: 'shutdown_broker', broker: id }) },
        {
          label: 'Cut link to ZooKeeper',
          title: TIPS.cutZk,
          run: () => this.apply({ type: 'cut_link', a: name, b: 'zk', direction: 'both' }),
        },
        { label: 'Isolate (cut all links)', title: TIPS.isolate, run: () => this.isolate(name) },
      );
    } else if (state === 'crashed' || state === 'stopped') {
      items.push({ label: 'Restart', title: TIPS.restart, run: () => this.apply({ type: 'restart_broker', broker: id }) });
    } else if (state === 'starting' || state === 'shutting_down') {
      items.push({ label: 'Crash (kill -9)', title: TIPS.crash, danger: true, run: () => this.apply({ type: 'crash_broker', broker: id }) });
    }
    const peers = hit.cut_peers ?? [];
    if (peers.length > 0) {
      items.push({ label: 'Heal all its links', title: TIPS.heal, run: () => this.healAll(name, peers) });
    }
    const role = hit.is_controller ? ' · controller' : hit.stale_controller ? ' · stale controller' : '';
    const info = [];
    if (state === 'starting') info.push('Starting: connecting to ZooKeeper.');
    if (state === 'shutting_down') info.push('Shutting down: handing over, then closing its session.');
    if (state === 'crashed' || state === 'stopped') {
      // hit() may not carry the reason; status() lists it per broker.
      const fromStatus = 'reason' in hit ? null : this.sim.status()?.brokers?.find((b) => b.id === id)?.reason;
      info.push(stopReason(hit, state, fromStatus));
    }
    if (peers.length > 0) info.push(`Cut links with ${peers.map(nodeLabel).join(', ')}.`);
    const anchor = this.anchorFor(name, x, y);
    this.open(`${nodeLabel(name)} · ${state.replace('_', ' ')}${role}`, items, info, anchor);
  }

  openZk(x, y) {
    const anchor = this.anchorFor('zk', x, y);
    this.open(
      'ZooKeeper',
      [],
      [
        'The coordination service. Brokers keep a session here with heartbeats; the controller is whoever created the ephemeral znode /controller, and /controller_epoch counts elections.',
        'Click a broker or a link to inject faults.',
      ],
      anchor,
    );
  }

  openLink(hit, x, y) {
    const a = nodeLabel(hit.a);
    const b = nodeLabel(hit.b);
    let state =
      hit.cut_a_to_b && hit.cut_b_to_a
        ? 'Now: cut both ways.'
        : hit.cut_a_to_b
          ? `Now: cut ${a} → ${b}; the other way still flows.`
          : hit.cut_b_to_a
            ? `Now: cut ${b} → ${a}; the other way still flows.`
            : 'Now: open both ways.';
    const link = { a: hit.a, b: hit.b };
    const items = [
      { label: 'Cut both ways', title: TIPS.cutBoth, run: () => this.apply({ type: 'cut_link', ...link, direction: 'both' }) },
      {
        label: `Cut ${a} → ${b}`,
        title: TIPS.cutOneWay,
        run: () => this.apply({ type: 'cut_link', ...link, direction: 'a_to_b' }),
      },
      {
        label: `Cut ${b} → ${a}`,
        title: TIPS.cutOneWay,
        run: () => this.apply({ type: 'cut_link', ...link, direction: 'b_to_a' }),
      },
      {
        label: 'Heal',
        title: TIPS.healLink,
        disabled: !hit.cut_a_to_b && !hit.cut_b_to_a,
        run: () => this.apply({ type: 'heal_link', ...link, direction: 'both' }),
      },
    ];
    const brokerish = (n) => /^(broker|producer)-\d+$/.test(n);
    if (brokerish(hit.a) && brokerish(hit.b)) {
      items.push(...this.slowItems(hit.a, hit.b, hit.link, this.sim.status()?.network));
      if (hit.link?.slowed) state += ` Slowed: ${hit.link.latency_min_ms}–${hit.link.latency_max_ms} ms.`;
    }
    this.open(`${a} ⇄ ${b}`, items, [state], { x, y, gap: 12 });
  }

  openEmpty(x, y) {
    const items = [{ label: 'Add broker', title: TIPS.addBroker, run: () => this.apply({ type: 'add_broker' }) }];
    if (this.forms) {
      items.push(
        { label: 'Create topic…', title: 'kafka-topics --create', run: () => this.forms.openTopic() },
        { label: 'Add producer…', title: 'Start a producer', run: () => this.forms.openProducer() },
      );
    }
    this.open('Cluster', items, [], { x, y, gap: 12 });
  }

  /** Latency for a slowed link, and the lag limit it is measured against. */
  lagLimit() {
    const v = Number(this.sim.config?.defaults?.['replica.lag.time.max.ms']);
    return Number.isFinite(v) && v > 0 ? v : 30000;
  }

  slowItems(a, b, link, network) {
    const items = [];
    const lag = this.lagLimit();
    const mild = { min: 600, max: 900 };
    const heavy = { min: Math.round(lag * 0.5), max: Math.round(lag * 0.7) };
    for (const [label, l] of [
      [`Slow this link (${mild.min}–${mild.max} ms each way)`, mild],
      [`Very slow (${(heavy.min / 1000).toFixed(1)}–${(heavy.max / 1000).toFixed(1)} s each way: beyond replica.lag.time.max.ms ${lag} ms)`, heavy],
    ]) {
      items.push({
        label,
        title: TIPS.slow,
        run: () => this.apply({ type: 'set_link', a, b, latency_min_ms: l.min, latency_max_ms: l.max, loss_ratio: 0 }),
      });
    }
    if (link?.slowed && network) {
      items.push({
        label: 'Restore normal latency',
        title: TIPS.restoreLink,
        run: () =>
          this.apply({
            type: 'set_link',
            a,
            b,
            latency_min_ms: network.latency_min_ms,
            latency_max_ms: network.latency_max_ms,
            loss_ratio: network.loss_ratio,
          }),
      });
    }
    return items;
  }

  openReplica(hit, x, y) {
    const tp = `${hit.topic}-${hit.partition}`;
    const status = this.sim.status();
    const items = [];
    if (this.storage) {
      items.push({
        label: 'Open its folder (segments, index)',
        title: TIPS.openFolder,
        disabled: hit.log_end_offset === null || hit.log_end_offset === undefined,
        run: () => this.storage.openReplica(this.sim.app, hit.broker, hit.topic, hit.partition),
      });
    }
    const leader = hit.leader;
    if (typeof leader === 'number' && leader >= 0 && leader !== hit.broker && hit.broker_state === 'running') {
      items.push(...this.slowItems(`broker-${hit.broker}`, `broker-${leader}`, hit.link_to_leader, status?.network));
    }
    for (const p of (hit.producers ?? []).slice(0, 3)) {
      items.push({
        label: `Send one record to ${tp} (producer ${p})`,
        title: TIPS.sendTo,
        run: () => this.apply({ type: 'produce_record', producer: p, partition: hit.partition }),
      });
    }
    items.push({
      label: `Preferred-leader election for ${hit.topic}`,
      title: DATA_TIPS.preferred,
      run: () => this.apply({ type: 'elect_preferred_leaders', topic: hit.topic }),
    });
    if (hit.broker_state === 'running') {
      items.push({
        label: `Crash broker ${hit.broker} (kill -9)`,
        title: TIPS.crash,
        danger: true,
        run: () => this.apply({ type: 'crash_broker', broker: hit.broker }),
      });
    }
    const num = (v) => (typeof v === 'number' ? String(v) : '–');
    const info = [
      `Role: ${hit.role}${hit.follow && hit.follow !== 'idle' ? ` (${hit.follow})` : ''}.`,
      `Log end offset ${num(hit.log_end_offset)} · log start ${num(hit.log_start_offset)} · ${num(hit.segment_count)} segment(s).`,
      `Partition high watermark ${num(hit.high_watermark)}${typeof hit.replica_high_watermark === 'number' ? ` (this replica knows ${hit.replica_high_watermark})` : ''}.`,
      `State znode: leader ${num(leader)} · leader_epoch ${num(hit.leader_epoch)} · isr [${(hit.isr ?? []).join(',')}] · replicas [${(hit.replicas ?? []).join(',')}].`,
    ];
    if (hit.link_to_leader?.slowed) {
      info.push(`Link to leader slowed: ${hit.link_to_leader.latency_min_ms}–${hit.link_to_leader.latency_max_ms} ms.`);
    }
    this.open(`${tp} on broker ${hit.broker}`, items, info, { x, y, gap: 14 });
  }

  openProducer(hit, x, y) {
    const id = Number(/^producer-(\d+)$/.exec(hit.node)?.[1]);
    const cfg = hit.config ?? {};
    const items = [];
    if (hit.alive) {
      items.push({ label: 'Send one record', title: DATA_TIPS.sendOne, run: () => this.apply({ type: 'produce_record', producer: id }) });
      for (const a of ['0', '1', 'all'].filter((v) => v !== cfg.acks)) {
        items.push({
          label: `Set acks=${a}`,
          title: `set_producer: ${DATA_TIPS.acks}`,
          run: () => this.apply({ type: 'set_producer', producer: id, config: { ...cfg, acks: a } }),
        });
      }
      items.push({
        label: cfg.rate > 0 ? 'Pause its workload (rate 0)' : 'Resume its workload (rate 20/s)',
        title: DATA_TIPS.rate,
        run: () => this.apply({ type: 'set_producer', producer: id, config: { ...cfg, rate: cfg.rate > 0 ? 0 : 20 } }),
      });
      items.push({
        label: 'Crash producer (kill -9)',
        title: DATA_TIPS.crashProducer,
        danger: true,
        run: () => this.apply({ type: 'crash_producer', producer: id }),
      });
    }
    const s = hit.stats ?? {};
    const queues = (hit.queues ?? []).map((q) => `p${q.partition}: ${q.batches} batch${q.batches === 1 ? '' : 'es'}, ${q.records} rec, ${q.bytes} B`);
    const info = [
      `topic ${cfg.topic} · acks=${cfg.acks} · ${cfg.rate}/s · ${cfg.key_space ? `${cfg.key_space} keys (murmur2)` : 'no keys (sticky)'} · batch.size ${cfg['batch.size']} · linger.ms ${cfg['linger.ms']}`,
      `sent ${s.sent ?? 0} · acked ${s.acked ?? 0} · failed ${s.failed ?? 0} · buffered ${hit.queued ?? 0} · in flight ${hit.in_flight ?? 0}`,
      queues.length ? `Accumulator: ${queues.slice(0, 6).join('; ')}${queues.length > 6 ? ` and ${queues.length - 6} more` : ''}` : 'Accumulator: empty.',
    ];
    if (!hit.alive) info.unshift(`Crashed: ${hit.lost_in_buffer ?? 0} records in its buffer were lost.`);
    const anchor = this.anchorFor(hit.node, x, y);
    this.open(`producer ${id}${hit.alive ? '' : ' · crashed'}`, items, info, anchor);
  }

  apply(cmd) {
    return this.sim.apply(cmd);
  }

  isolate(name) {
    const status = this.sim.status();
    const peers = ['zk', ...(status?.brokers ?? []).map((b) => `broker-${b.id}`).filter((n) => n !== name)];
    for (const peer of peers) {
      if (this.apply({ type: 'cut_link', a: name, b: peer, direction: 'both' }) === null) return;
    }
  }

  healAll(name, peers) {
    for (const peer of peers) {
      if (this.apply({ type: 'heal_link', a: name, b: peer, direction: 'both' }) === null) return;
    }
  }

  open(title, items, info, anchor) {
    const p = this.popup;
    p.replaceChildren();
    p.append(el('div', 'popup-title', title));
    for (const item of items) {
      const b = el('button', `menu-item${item.danger ? ' danger' : ''}`, item.label);
      b.type = 'button';
      b.setAttribute('role', 'menuitem');
      b.title = item.title;
      b.disabled = Boolean(item.disabled);
      b.addEventListener('click', () => {
        this.close();
        item.run();
      });
      p.append(b);
    }
    for (const line of info) p.append(el('p', 'popup-info', line));
    p.hidden = false;
    // Right of the anchor, or left of it when there is no room; inside the stage.
    const margin = 8;
    const stageW = this.stage.clientWidth;
    const stageH = this.stage.clientHeight;
    const w = p.offsetWidth;
    const h = p.offsetHeight;
    let left = anchor.x + anchor.gap;
    let top = anchor.y - 16;
    if (left + w > stageW - margin) {
      left = anchor.x - anchor.gap - w;
      if (left < margin && anchor.below !== undefined) {
        // No room on either side of a wide box: go under it.
        left = anchor.x - w / 2;
        top = anchor.below;
      }
    }
    if (top + h > stageH - margin) top = stageH - h - margin;
    left = Math.min(Math.max(margin, left), Math.max(margin, stageW - w - margin));
    top = Math.max(margin, top);
    p.style.left = `${Math.round(left)}px`;
    p.style.top = `${Math.round(top)}px`;
  }
}
