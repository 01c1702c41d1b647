// Side panels and read-outs: error banner, legend, event log, status line
// and frame-time read-out (the cluster config form is in config.js). Everything is built with
// createElement + textContent; nothing parses HTML.

/** Creates an element with a class and optional text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** The head of a form or dialog: its title (with `titleId`) and a × button that calls `onClose`. */
export function dialogHead(title, titleId, onClose) {
  const head = el('div', 'form-head');
  const h = el('h2', 'form-title', title);
  h.id = titleId;
  const x = el('button', 'form-close', '×');
  x.type = 'button';
  x.title = 'Close (Escape)';
  x.setAttribute('aria-label', 'Close');
  x.addEventListener('click', onClose);
  head.append(h, x);
  return head;
}

/** "broker-2" -> "broker 2", "zk" -> "ZooKeeper". */
export function nodeLabel(name) {
  if (name === 'zk') return 'ZooKeeper';
  if (/^consumer-\d+$/.test(String(name))) return String(name);
  const m = /^(broker|producer)-(\d+)$/.exec(String(name));
  return m ? `${m[1]} ${m[2]}` : String(name);
}

/** Message text of anything thrown by the wasm side or by us. */
export function errorMessage(err) {
  if (err instanceof Error) return err.message || String(err);
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}

// ---------------------------------------------------------------- errors

/** The dismissable error banner under the toolbar. */
export class ErrorBanner {
  constructor(root) {
    this.root = root;
    this.text = root.querySelector('#error-text');
    this.last = '';
    this.repeats = 0;
    root.querySelector('#error-dismiss').addEventListener('click', () => this.hide());
  }

  show(message) {
    const msg = String(message);
    if (!this.root.hidden && msg === this.last) {
      this.repeats += 1;
      this.text.textContent = `${msg} (×${this.repeats + 1})`;
      return;
    }
    this.last = msg;
    this.repeats = 0;
    this.text.textContent = msg;
    this.root.hidden = false;
  }

  hide() {
    this.root.hidden = true;
    this.last = '';
    this.repeats = 0;
  }
}

// ---------------------------------------------------------------- legend

/** Fills the legend list from legend() JSON; returns kind -> colour. */
export function renderLegend(list, entries) {
  list.replaceChildren();
  const colours = new Map();
  for (const entry of entries) {
    const item = el('li', 'legend-item');
    const dot = el('span', 'dot');
    dot.style.backgroundColor = entry.color;
    item.append(dot, el('span', 'legend-label', entry.label));
    item.title = entry.label;
    list.append(item);
    colours.set(entry.kind, entry.color);
  }
  if (!entries.some((e) => /drop/i.test(`${e.kind} ${e.label}`))) {
    const dropped = el('li', 'legend-item');
    dropped.append(el('span', 'dropped-x', '×'), el('span', 'legend-label', 'message dropped by the network'));
    list.append(dropped);
  }
  return colours;
}

// ---------------------------------------------------------------- event log

/** Colours of the event kinds the simulation logs. */
export const EVENT_COLOURS = {
  election: '#f2c94c',
  session: '#56b6f7',
  watch: '#b58cff',
  controller: '#4fd49b',
  fence: '#ff9f4a',
  fault: '#ff5d6c',
  replication: '#2dd4bf',
  truncate: '#e879f9',
  storage: '#a3e635',
  client: '#f472b6',
  group: '#fb923c',
  info: '#8d99ab',
};

const EVENT_TITLES = {
  election: 'controller election: a broker tried to create the ephemeral znode /controller',
  session: 'ZooKeeper session: connect, expiry, close',
  watch: 'a ZooKeeper watch fired (znode created, deleted or changed)',
  controller: 'work done by the active controller',
  fence: 'a stale controller epoch was rejected (fencing)',
  fault: 'a fault you injected: crash, shutdown, cut link',
  replication: 'replication: a replica became leader or follower, the ISR shrank or grew, the high watermark, NOT_ENOUGH_REPLICAS',
  truncate: 'log truncation: a follower cut its log back to the new leader\'s end offset for its leader epoch (KIP-101), or to its high watermark (the old rule)',
  storage: 'storage: segments rolled or deleted by retention, logs cleaned, replicas deleted',
  client: 'a producer or consumer: metadata, batches sent, retries, errors, records lost in its buffer, positions, seeks',
  group: 'consumer groups: FindCoordinator, JoinGroup, the leader\'s assignment, SyncGroup, rebalances, commits, session timeouts, duplicates',
  info: 'information',
};

/** The event log panel: appends polled events, keeps at most maxLines lines. */
export class EventLog {
  constructor(container, counter, maxLines = 2000) {
    this.container = container;
    this.counter = counter;
    this.maxLines = maxLines;
    this.nextSeq = 0;
    this.total = 0;
    // Follow the newest line unless the user scrolled up to read. Decided
    // by scrolling, not by measuring at each append: the panel changes
    // height as other panels grow, which would leave it stuck at the top.
    this.follow = true;
    container.addEventListener('scroll', () => {
      this.follow = container.scrollHeight - container.scrollTop - container.clientHeight < 24;
    });
    new ResizeObserver(() => this.keepFollowing()).observe(container);
  }

  clear() {
    this.container.replaceChildren();
    this.nextSeq = 0;
    this.total = 0;
    this.follow = true;
    this.counter.textContent = '';
  }

  /** Scrolls to and marks the last line before `seq` (the event that broke
   * an invariant); false when it has scrolled out of the log. */
  reveal(seq) {
    const rows = [...this.container.children].filter((r) => Number(r.dataset.seq) < seq);
    const row = rows[rows.length - 1];
    if (!row) return false;
    for (const r of this.container.querySelectorAll('.log-line.marked')) r.classList.remove('marked');
    row.classList.add('marked');
    this.follow = false;
    row.scrollIntoView({ block: 'center' });
    return true;
  }

  /** Scrolls to the newest line while following. */
  keepFollowing() {
    if (this.follow) this.container.scrollTop = this.container.scrollHeight;
  }

  /** Appends events (already parsed), skipping any seen before. */
  append(events) {
    const fresh = events.filter((e) => e.seq >= this.nextSeq);
    if (fresh.length === 0) return;
    const c = this.container;
    const batch = document.createDocumentFragment();
    for (const e of fresh) batch.append(this.line(e));
    c.append(batch);
    this.nextSeq = fresh[fresh.length - 1].seq + 1;
    this.total += fresh.length;
    while (c.childElementCount > this.maxLines) c.firstElementChild.remove();
    this.keepFollowing();
    this.counter.textContent = `(${this.total})`;
  }

  line(e) {
    const row = el('div', `log-line kind-${e.kind}`);
    row.dataset.seq = String(e.seq);
    const chip = el('span', 'chip');
    chip.style.backgroundColor = EVENT_COLOURS[e.kind] ?? EVENT_COLOURS.info;
    chip.title = `${e.kind}: ${EVENT_TITLES[e.kind] ?? e.kind}`;
    const at = el('span', 'at', `${(Number(e.at_ms) / 1000).toFixed(3)} s`);
    const who = el('span', 'who', nodeLabel(e.node));
    const what = el('span', 'what', e.text);
    // Two spaces between the parts so the line reads well when copied.
    row.append(chip, at, document.createTextNode('  '), who, document.createTextNode('  '), what);
    return row;
  }
}

// ---------------------------------------------------------------- status

/** Median of the last n numbers of an array. */
export function median(values, n) {
  const tail = values.slice(-n).sort((a, b) => a - b);
  if (tail.length === 0) return NaN;
  const mid = tail.length >> 1;
  return tail.length % 2 ? tail[mid] : (tail[mid - 1] + tail[mid]) / 2;
}

/** Updates the toolbar's status read-out from a parsed status(). */
export function renderStatus(els, status) {
  els.time.textContent = `t = ${(Number(status.now_ms) / 1000).toFixed(3)} s`;
  const epoch = status.controller_epoch ?? 0;
  els.controller.textContent =
    status.controller === null || status.controller === undefined
      ? `controller: none · epoch ${epoch}`
      : `controller: broker ${status.controller} · epoch ${epoch}`;
  els.controller.classList.toggle('none', status.controller === null || status.controller === undefined);
  const brokers = status.brokers ?? [];
  const running = brokers.filter((b) => b.state === 'running').length;
  els.brokers.textContent =
    running === brokers.length ? `brokers: ${brokers.length}` : `brokers: ${running}/${brokers.length} up`;
}
