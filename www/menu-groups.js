// The canvas menus of consumer groups (CanvasMenu methods, mixed in by
// menu.js): a consumer (commit now, seek each of its partitions to the
// beginning, the end, an offset or a timestamp, change its processing
// rate, close, crash), a group box (add a consumer, commit every member)
// and a broker's folded __consumer_offsets strip (draw every partition or
// fold them, open a group's partition folder). Every item is one Command
// JSON through sim.apply.

import { GROUP_TIPS } from './group-tips.js';
import { OFFSETS_TOPIC, phaseWords } from './groups.js';

const num = (v) => (typeof v === 'number' ? String(v) : '–');

/** Lines describing one consumer (a StatusConsumer). */
function consumerInfo(c) {
  const cfg = c.config ?? {};
  const lines = [
    `group ${c.group} · ${phaseWords(c)}${c.is_leader ? ' · leader (runs the assignor)' : ''}`,
    `member id ${c.member_id || '– (not joined yet)'} · generation ${c.generation_id} · coordinator ${c.coordinator === null || c.coordinator === undefined ? '–' : `broker ${c.coordinator}`}`,
    `consumed ${c.consumed} · duplicates ${c.duplicates} · commits ${c.commits} (${c.failed_commits} refused) · rebalances ${c.rebalances} · buffered ${c.buffered}`,
    `${cfg['partition.assignment.strategy']} · auto.offset.reset=${cfg['auto.offset.reset']} · ${cfg['enable.auto.commit'] ? `auto-commit every ${cfg['auto.commit.interval.ms']} ms` : 'manual commits'} · ${cfg.processing_rate > 0 ? `${cfg.processing_rate} records/s` : 'processes as fast as they come'} · session.timeout.ms ${cfg['session.timeout.ms']}`,
  ];
  for (const a of (c.assignment ?? []).slice(0, 8)) {
    lines.push(`${a.topic}-${a.partition}: position ${num(a.position)} · committed ${num(a.committed)} · high watermark ${num(a.high_watermark)}`);
  }
  if ((c.assignment ?? []).length === 0 && c.state === 'running') lines.push('No partitions assigned.');
  return lines;
}

/** The consumer, group and __consumer_offsets menus. */
export const groupMenus = {
  /** The menu of a consumer, beside its box. */
  openConsumer(hit, x, y) {
    const c = hit.consumer;
    if (!c) return;
    const id = c.id;
    const items = [];
    if (c.state === 'running') {
      items.push({ label: 'Commit now (commitAsync)', title: GROUP_TIPS.commit, run: () => this.apply({ type: 'commit', consumer: id }) });
      for (const a of c.assignment ?? []) {
        const base = { type: 'seek', consumer: id, topic: a.topic, partition: a.partition };
        items.push({
          label: `seek ${a.topic}-${a.partition}`,
          row: [
            { label: 'beginning', title: GROUP_TIPS.seekBeginning, run: () => this.apply({ ...base, to: 'beginning' }) },
            { label: 'end', title: GROUP_TIPS.seekEnd, run: () => this.apply({ ...base, to: 'end' }) },
            { label: 'offset…', title: GROUP_TIPS.seekOffset, run: () => this.forms?.openSeek(id, a.topic, a.partition, 'offset') },
            { label: 'time…', title: GROUP_TIPS.seekTimestamp, run: () => this.forms?.openSeek(id, a.topic, a.partition, 'timestamp') },
          ],
        });
      }
      const cfg = c.config ?? {};
      const slow = cfg.processing_rate > 0 && cfg.processing_rate <= 5;
      items.push({
        label: slow ? 'Process as fast as records come (rate 0)' : 'Slow it down: 5 records/s',
        title: GROUP_TIPS.processing,
        run: () => this.apply({ type: 'set_consumer', consumer: id, config: { ...cfg, processing_rate: slow ? 0 : 5 } }),
      });
      items.push({ label: 'Close (LeaveGroup)', title: GROUP_TIPS.close, run: () => this.apply({ type: 'close_consumer', consumer: id }) });
      items.push({ label: 'Crash (kill -9)', title: GROUP_TIPS.crash, danger: true, run: () => this.apply({ type: 'crash_consumer', consumer: id }) });
    }
    const anchor = this.anchorFor(`consumer-${id}`, x, y);
    this.open(`consumer-${id}${c.state === 'running' ? '' : ` · ${c.state}`}`, items, consumerInfo(c), anchor);
  },

  /** Opens the menu of a consumer by id (from the groups panel). */
  openConsumerById(id) {
    let c = null;
    try {
      c = JSON.parse(this.sim.app.node_center(`consumer-${id}`));
    } catch {
      c = null;
    }
    if (!c) return;
    const hit = this.hit(c.x, c.y);
    if (hit?.consumer) this.openConsumer(hit, c.x, c.y);
  },

  /** The menu of a group box. */
  openGroupBox(hit, x, y) {
    const r = hit.report ?? {};
    const consumers = hit.consumers ?? [];
    const running = consumers.filter((c) => c.state === 'running');
    const template = (running[0] ?? consumers[0])?.config;
    const items = [];
    if (template) {
      items.push({
        label: `Add a consumer to ${hit.group}`,
        title: GROUP_TIPS.addConsumer,
        run: () => this.apply({ type: 'add_consumer', config: template }),
      });
    }
    if (running.length > 0) {
      items.push({
        label: 'Commit every member now',
        title: GROUP_TIPS.commit,
        run: () => running.every((c) => this.apply({ type: 'commit', consumer: c.id }) !== null),
      });
    }
    const coord = r.coordinator === null || r.coordinator === undefined ? 'none yet' : `broker ${r.coordinator}`;
    const info = [
      `${r.state ?? 'Unknown'} · generation ${num(r.generation_id)} · coordinator ${coord} (${OFFSETS_TOPIC}-${num(r.coordinator_partition)})`,
      `lag ${num(r.lag)}: ${Object.entries(r.partition_lag ?? {}).map(([tp, l]) => `${tp} ${l}`).join(' · ') || 'no committed offsets yet'}`,
    ];
    for (const m of (r.members ?? []).slice(0, 10)) {
      const lead = m.member_id === r.leader ? ' (leader)' : '';
      info.push(`${m.client_id}${lead}: ${m.assignment.length ? m.assignment.join(', ') : 'no partitions (idle)'}`);
    }
    this.open(`group ${hit.group}`, items, info, { x, y, gap: 12 });
  },

  /** The menu of a broker's folded __consumer_offsets strip. */
  openInternal(hit, x, y) {
    const expanded = Boolean(hit.expanded);
    const items = [
      {
        label: expanded ? `Fold ${OFFSETS_TOPIC} again` : `Draw all ${OFFSETS_TOPIC} partitions`,
        title: GROUP_TIPS.expand,
        run: () => {
          this.sim.app.set_internal_expanded(!expanded);
          this.sim.note(expanded ? `${OFFSETS_TOPIC} folded` : `every ${OFFSETS_TOPIC} partition drawn`);
        },
      },
    ];
    if (this.storage) {
      for (const g of hit.groups ?? []) {
        items.push({
          label: `Open ${OFFSETS_TOPIC}-${g.partition} (group ${g.group})`,
          title: GROUP_TIPS.openFolder,
          run: () => this.storage.openReplica(this.sim.app, hit.broker, OFFSETS_TOPIC, g.partition),
        });
      }
    }
    const info = [
      `broker ${hit.broker} holds ${hit.replicas} of its partitions and leads ${hit.leaders}.`,
      GROUP_TIPS.internal,
    ];
    for (const g of hit.groups ?? []) {
      info.push(`${OFFSETS_TOPIC}-${g.partition}: group ${g.group}${g.coordinator ? ' (this broker is its coordinator)' : ''}`);
    }
    this.open(`${OFFSETS_TOPIC} on broker ${hit.broker}`, items, info, { x, y, gap: 12 });
  },
};
