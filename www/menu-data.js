// The canvas menus of the data path: a replica (open its folder, slow its
// link to the leader, send a record to its partition, preferred election,
// crash its broker) and a producer (send one, change acks, pause, crash),
// each with what it shows of the replica or producer. These are CanvasMenu
// methods (mixed in by menu.js); every item is one Command JSON through
// sim.apply.

import { DATA_TIPS } from './data.js';
import { TIPS } from './menu-tips.js';

/** The replica and producer menus. */
export const dataMenus = {
  /** Latency for a slowed link, and the lag limit it is measured against. */
  lagLimit() {
    let v = NaN;
    try {
      v = Number(JSON.parse(this.sim.app.config())['replica.lag.time.max.ms']);
    } catch {
      v = Number(this.sim.config?.defaults?.['replica.lag.time.max.ms']);
    }
    return Number.isFinite(v) && v > 0 ? v : 30000;
  },

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
  },

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
      ...(hit.role === 'broker down'
        ? [`On its disk, replication-offset-checkpoint holds high watermark ${num(hit.checkpointed_high_watermark)}: while the broker is down, its row shows the high watermark it would restart from (that one, never past its log end offset).`]
        : []),
      `State znode: leader ${num(leader)} · leader_epoch ${num(hit.leader_epoch)} · isr [${(hit.isr ?? []).join(',')}] · replicas [${(hit.replicas ?? []).join(',')}].`,
    ];
    for (const r of (hit.readers ?? []).slice(0, 6)) {
      info.push(`Read by consumer-${r.consumer} (group ${r.group}): position ${num(r.position)} · committed ${num(r.committed)}.`);
    }
    if ((hit.groups ?? []).length > 0) {
      info.push(`Holds the offsets and metadata of group ${hit.groups.join(', ')}: its leader is their coordinator.`);
    }
    if (hit.link_to_leader?.slowed) {
      info.push(`Link to leader slowed: ${hit.link_to_leader.latency_min_ms}–${hit.link_to_leader.latency_max_ms} ms.`);
    }
    this.open(`${tp} on broker ${hit.broker}`, items, info, { x, y, gap: 14 });
  },

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
  },
};
