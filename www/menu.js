// The popup menus that a click on the canvas opens: what can be done to a
// broker, to ZooKeeper, to a link, or on empty space (the replica and
// producer menus are in menu-data.js, the consumer, group and
// __consumer_offsets menus in menu-groups.js). Every item becomes one Command JSON
// that goes through sim.apply (the one door into the simulation).

import { el, nodeLabel } from './panels.js';
import { TIPS } from './menu-tips.js';
import { dataMenus } from './menu-data.js';
import { groupMenus } from './menu-groups.js';
import { GROUP_TIPS } from './group-tips.js';

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
    else if (hit.kind === 'node' && String(hit.node).startsWith('consumer-')) this.openConsumer(hit, x, y);
    else if (hit.kind === 'group') this.openGroupBox(hit, x, y);
    else if (hit.kind === 'internal') this.openInternal(hit, x, y);
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
    if ((hit.coordinates ?? []).length > 0) info.push(`Group coordinator of ${hit.coordinates.join(', ')}.`);
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
    const brokerish = (n) => /^(broker|producer|consumer)-\d+$/.test(n);
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
        { label: 'Add consumer group…', title: GROUP_TIPS.groupId, run: () => this.forms.openGroup() },
      );
    }
    this.open('Cluster', items, [], { x, y, gap: 12 });
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

  /** A labelled row of small buttons (e.g. the seek targets of one partition). */
  itemRow(item) {
    const row = el('div', 'menu-row');
    row.append(el('span', 'menu-row-label', item.label));
    for (const sub of item.row) {
      const b = el('button', 'menu-item small', sub.label);
      b.type = 'button';
      b.setAttribute('role', 'menuitem');
      b.title = sub.title;
      b.addEventListener('click', () => {
        this.close();
        sub.run();
      });
      row.append(b);
    }
    return row;
  }

  open(title, items, info, anchor) {
    const p = this.popup;
    p.replaceChildren();
    p.append(el('div', 'popup-title', title));
    for (const item of items) {
      if (item.row) {
        p.append(this.itemRow(item));
        continue;
      }
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

Object.assign(CanvasMenu.prototype, dataMenus, groupMenus);
