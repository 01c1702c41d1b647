// The Consumer groups side panel: add a group or the two-groups preset;
// per group its state (Empty, PreparingRebalance, CompletingRebalance,
// Stable), generation, coordinator and __consumer_offsets partition, lag
// per partition and in total with a chart of the lag over time, and each
// consumer with its phase, records consumed and duplicates (highlighted)
// and its actions. Every action is one Command JSON through sim.apply;
// everything shown is built with createElement + textContent.

import { el } from './panels.js';
import { GROUP_TIPS } from './group-tips.js';
import { drawLagChart } from './lag-chart.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

const PHASES = {
  unjoined: 'not in the group yet',
  committing_before_join: 'committing before it rejoins',
  joining: 'JoinGroup sent',
  syncing: 'SyncGroup sent',
  stable: 'has its partitions',
  closed: 'closed',
};

/** A consumer's state in a few words (a StatusConsumer). */
export function phaseWords(c) {
  if (c.state === 'crashed') return 'crashed';
  if (c.state === 'closed') return 'closed (left the group)';
  if (c.phase === 'stable' && (c.assignment ?? []).length === 0) return 'idle: no partitions';
  return PHASES[c.phase] ?? String(c.phase);
}

function button(label, tip, run, className = '') {
  const b = el('button', `small ${className}`.trim(), label);
  b.type = 'button';
  b.title = tip;
  b.addEventListener('click', run);
  b.addEventListener('mouseup', () => b.blur());
  return b;
}

/** The groups panel. */
export class GroupsPanel {
  constructor(sim, root, { forms, menu, history }) {
    this.sim = sim;
    this.root = root;
    this.forms = forms;
    this.menu = menu;
    this.history = history;
    this.list = root.querySelector('#group-list');
    this.duplicates = document.getElementById('duplicates');
    this.shape = '';
    this.rows = new Map();
    const actions = root.querySelector('#group-actions');
    actions.append(
      button('+ Group', 'Add a consumer group: group.id, topics, consumers, assignor, auto.offset.reset, auto-commit', () => this.forms.openGroup()),
      button('Two groups on one topic', GROUP_TIPS.twoGroups, () => this.forms.twoGroups()),
    );
  }

  render(status) {
    const groups = status.groups ?? [];
    const consumers = status.consumers ?? [];
    const shape = JSON.stringify([groups.map((g) => g.group), consumers.map((c) => [c.id, c.group, c.state])]);
    if (shape !== this.shape) {
      this.shape = shape;
      this.build(groups, consumers, status.group_colors ?? {});
    }
    for (const g of groups) {
      const row = this.rows.get(g.group);
      if (!row) continue;
      row.state.textContent = g.state;
      row.state.className = `group-state state-${g.state}`;
      const coord = g.coordinator === null || g.coordinator === undefined ? 'no coordinator yet' : `coordinator broker ${g.coordinator}`;
      const mine = consumers.filter((c) => c.group === g.group);
      const dups = mine.reduce((n, c) => n + Number(c.duplicates || 0), 0);
      row.info.textContent = `generation ${g.generation_id} · ${coord} (${OFFSETS_TOPIC}-${g.coordinator_partition}) · lag ${Object.keys(g.committed ?? {}).length ? g.lag : '–'} · duplicates ${dups}`;
      row.info.classList.toggle('bad', dups > 0);
      row.parts.replaceChildren(
        ...Object.entries(g.partition_lag ?? {}).map(([tp, lag]) => {
          const chip = el('span', `lag-chip${lag > 0 ? ' behind' : ''}`, `${tp}: committed ${g.committed?.[tp] ?? '–'} · lag ${lag}`);
          chip.title = GROUP_TIPS.lag;
          return chip;
        }),
      );
      if (Object.keys(g.partition_lag ?? {}).length === 0) row.parts.append(el('span', 'data-empty', 'no committed offsets yet'));
      drawLagChart(row.chart, this.history.get(g.group), row.color);
      for (const c of mine) {
        const m = row.members.get(c.id);
        if (!m) continue;
        const parts = (c.assignment ?? []).map((a) => `${a.topic}-${a.partition}`).join(', ');
        m.phase.textContent = `${c.is_leader && c.state === 'running' ? '★ leader · ' : ''}${phaseWords(c)}${parts ? ` · ${parts}` : ''}`;
        m.count.textContent = `consumed ${c.consumed} · `;
        m.dup.textContent = `duplicates ${c.duplicates}`;
        m.dup.classList.toggle('bad', c.duplicates > 0);
      }
    }
    if (this.duplicates) {
      const total = consumers.reduce((n, c) => n + Number(c.duplicates || 0), 0);
      this.duplicates.hidden = consumers.length === 0;
      this.duplicates.textContent = `duplicates: ${total}`;
      this.duplicates.classList.toggle('bad', total > 0);
    }
  }

  build(groups, consumers, colors) {
    this.rows.clear();
    this.list.replaceChildren();
    if (groups.length === 0) {
      this.list.append(el('li', 'data-empty', 'No consumer groups yet.'));
      return;
    }
    for (const g of groups) {
      const color = colors[g.group] ?? '#94a3b8';
      const li = el('li', 'data-row group-row');
      li.style.borderLeftColor = color;
      const head = el('div', 'data-head');
      const chip = el('span', 'topic-chip');
      chip.style.backgroundColor = color;
      const state = el('span', 'group-state');
      head.append(chip, el('span', 'data-name', `group ${g.group}`), state);
      const info = el('div', 'data-info');
      const chart = el('canvas', 'lag-chart');
      chart.title = `Lag of group ${g.group} over simulated time (shaded: rebalancing). ${GROUP_TIPS.lag}`;
      const parts = el('div', 'lag-parts');
      const memberList = el('ul', 'member-list');
      const members = new Map();
      const mine = consumers.filter((c) => c.group === g.group);
      for (const c of mine) {
        const m = el('li', `member-row${c.state === 'running' ? '' : ' dead'}`);
        const name = el('span', 'data-name', `consumer-${c.id}`);
        const phase = el('span', 'member-phase');
        const counters = el('div', 'member-counters');
        const count = el('span', '', '');
        const dup = el('span', 'dup-count', '');
        dup.title = GROUP_TIPS.duplicates;
        counters.append(count, dup);
        const actions = el('div', 'data-actions');
        if (c.state === 'running') {
          actions.append(
            button('Commit', GROUP_TIPS.commit, () => this.sim.apply({ type: 'commit', consumer: c.id })),
            button('Seek…', 'Seek one of its partitions to the beginning, the end, an offset or a timestamp', () => this.menu.openConsumerById(c.id)),
            button('Close', GROUP_TIPS.close, () => this.sim.apply({ type: 'close_consumer', consumer: c.id })),
            button('Crash', GROUP_TIPS.crash, () => this.sim.apply({ type: 'crash_consumer', consumer: c.id }), 'danger'),
          );
        }
        m.append(name, phase, counters, actions);
        memberList.append(m);
        members.set(c.id, { phase, count, dup });
      }
      const template = (mine.find((c) => c.state === 'running') ?? mine[0])?.config;
      const groupActions = el('div', 'data-actions');
      if (template) {
        groupActions.append(
          button('+ consumer', GROUP_TIPS.addConsumer, () => this.sim.apply({ type: 'add_consumer', config: template })),
        );
      }
      li.append(head, info, chart, parts, memberList, groupActions);
      this.list.append(li);
      this.rows.set(g.group, { state, info, chart, parts, members, color });
    }
  }
}
