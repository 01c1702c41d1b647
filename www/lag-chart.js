// Consumer lag over simulated time: a history of each group's lag sampled
// from the polled status (groups[].lag, the sum over partitions of high
// watermark minus committed offset) and a small line chart of it, with the
// stretches where the group was rebalancing shaded.

const MAX_SAMPLES = 600;
const MIN_STEP_MS = 250; // at most one sample per 250 simulated ms

/** Lag samples per group: [{t, lag, state}], oldest first. */
export class LagHistory {
  constructor() {
    this.series = new Map();
    this.lastT = -1;
  }

  clear() {
    this.series.clear();
    this.lastT = -1;
  }

  /** Adds a sample per group from a parsed status() (a new run clears). */
  sample(status) {
    const t = Number(status.now_ms);
    if (!Number.isFinite(t)) return;
    if (t < this.lastT) this.clear();
    if (this.lastT >= 0 && t - this.lastT < MIN_STEP_MS) return;
    this.lastT = t;
    for (const g of status.groups ?? []) {
      let s = this.series.get(g.group);
      if (!s) {
        s = [];
        this.series.set(g.group, s);
      }
      s.push({ t, lag: Number(g.lag) || 0, state: g.state });
      if (s.length > MAX_SAMPLES) s.splice(0, s.length - MAX_SAMPLES);
    }
  }

  get(group) {
    return this.series.get(group) ?? [];
  }
}

/** Sizes a canvas's backing store to its CSS size; returns its 2D context and size. */
function prepare(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, canvas.clientWidth);
  const h = Math.max(1, canvas.clientHeight);
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h };
}

/** Draws `samples` as a line chart of lag against time in `color`. */
export function drawLagChart(canvas, samples, color) {
  const { ctx, w, h } = prepare(canvas);
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = '#0b1220';
  ctx.fillRect(0, 0, w, h);
  ctx.font = '10px system-ui, sans-serif';
  if (samples.length < 2) {
    ctx.fillStyle = '#64748b';
    ctx.fillText('lag over time: collecting samples…', 6, h / 2 + 3);
    return;
  }
  const t0 = samples[0].t;
  const t1 = samples[samples.length - 1].t;
  const span = Math.max(1, t1 - t0);
  const top = Math.max(1, ...samples.map((s) => s.lag));
  const pad = { l: 4, r: 4, t: 12, b: 4 };
  const x = (t) => pad.l + ((t - t0) / span) * (w - pad.l - pad.r);
  const y = (v) => h - pad.b - (v / top) * (h - pad.t - pad.b);
  // Rebalancing stretches, shaded.
  ctx.fillStyle = 'rgba(251, 146, 60, 0.18)';
  for (let i = 0; i < samples.length - 1; i += 1) {
    if (samples[i].state !== 'Stable' && samples[i].state !== 'Empty') {
      ctx.fillRect(x(samples[i].t), pad.t, Math.max(1, x(samples[i + 1].t) - x(samples[i].t)), h - pad.t - pad.b);
    }
  }
  ctx.beginPath();
  ctx.moveTo(x(samples[0].t), y(samples[0].lag));
  for (const s of samples) ctx.lineTo(x(s.t), y(s.lag));
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.stroke();
  ctx.lineTo(x(t1), h - pad.b);
  ctx.lineTo(x(t0), h - pad.b);
  ctx.closePath();
  ctx.globalAlpha = 0.15;
  ctx.fillStyle = color;
  ctx.fill();
  ctx.globalAlpha = 1;
  ctx.fillStyle = '#94a3b8';
  ctx.textAlign = 'left';
  ctx.fillText(`max ${top}`, 6, 10);
  ctx.textAlign = 'right';
  ctx.fillText(`last ${(span / 1000).toFixed(1)} s · now ${samples[samples.length - 1].lag}`, w - 6, 10);
  ctx.textAlign = 'left';
}
