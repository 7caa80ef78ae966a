/**
 * Renderer for application/vnd.diffuse.losscurve+json (version 1): loss
 * curves drawn as SVG with hover values, a legend that toggles series, a
 * log/linear switch and epoch marks.  `update()` redraws in place (the kernel
 * sends update_display_data while training) and keeps what the user chose.
 */
import { finite, fmt, text } from './safe';

export const LOSSCURVE_MIME = 'application/vnd.diffuse.losscurve+json';
const SVG_NS = 'http://www.w3.org/2000/svg';
export const PALETTE = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd',
  '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'
];
/** Series with at most this many points get a marker per point. */
export const MARKER_LIMIT = 200;

export interface ISeries {
  name: string;
  x: number[];
  y: (number | null)[]; // null: a gap (NaN/inf on the kernel side)
  decimated: boolean;
}

export interface ILossCurve {
  series: ISeries[];
  logY: boolean;
  epochs: { x: number; label: string }[];
  title: string;
  xlabel: string;
  ylabel: string;
}

export function parseLossCurve(data: unknown): ILossCurve | string {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return 'not a JSON object';
  }
  const d = data as Record<string, unknown>;
  if (d.version !== 1) {
    return `unknown version ${JSON.stringify(d.version ?? null)}`;
  }
  if (!Array.isArray(d.series)) {
    return 'no series';
  }
  const series: ISeries[] = [];
  for (const s of d.series as unknown[]) {
    if (typeof s !== 'object' || s === null) {
      return 'a series is not an object';
    }
    const r = s as Record<string, unknown>;
    const ys = Array.isArray(r.y) ? r.y : [];
    const xs = Array.isArray(r.x) ? r.x : [];
    const x: number[] = [];
    const y: (number | null)[] = [];
    for (let i = 0; i < ys.length; i++) {
      const xv = i < xs.length ? finite(xs[i]) : i;
      if (xv === null) {
        continue; // a point without a usable x cannot be placed
      }
      x.push(xv);
      y.push(finite(ys[i]));
    }
    series.push({
      name: text(r.name, 100) || `series ${series.length + 1}`,
      x,
      y,
      decimated: r.decimated === true
    });
  }
  const epochs: { x: number; label: string }[] = [];
  if (Array.isArray(d.epochs)) {
    for (const e of d.epochs) {
      const x = finite((e as Record<string, unknown>)?.x);
      if (x !== null) {
        epochs.push({ x, label: text((e as Record<string, unknown>).label, 100) });
      }
    }
  }
  return {
    series,
    logY: d.log_y === true,
    epochs,
    title: text(d.title),
    xlabel: text(d.xlabel),
    ylabel: text(d.ylabel)
  };
}

/** About `count` round tick values covering [lo, hi]. */
export function linearTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) {
    return [lo];
  }
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return out;
}

/** Powers of ten in [lo, hi] (lo > 0), thinned to at most ~8. */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const every = Math.max(1, Math.ceil((b - a + 1) / 8));
  const out: number[] = [];
  for (let p = a; p <= b; p += every) {
    const v = Math.pow(10, p);
    if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) {
      out.push(v);
    }
  }
  if (out.length >= 3 || b - a > 2) {
    return out.length ? out : [lo, hi];
  }
  // a narrow range (less than ~2 decades): 1, 2, 5 times the powers of ten
  const fine: number[] = [];
  for (let p = a; p <= b; p++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * Math.pow(10, p)).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) {
        fine.push(v);
      }
    }
  }
  return fine.length ? fine : [lo, hi];
}

interface ILayout {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  log: boolean;
  px: (x: number) => number;
  py: (y: number) => number;
  drawable: (y: number | null) => y is number;
}

/** Epoch labels (11px): at most this many pixels a character. */
const LABEL_CHAR_W = 7;

function nextStride(k: number): number {
  let p = 1;
  while (k / p >= 10) {
    p *= 10;
  }
  return Math.floor(k / p) === 2 ? 5 * p : 2 * k;
}

/**
 * Where the epoch labels go, as the kernel's plot.c places them: right of
 * each mark, or left of it when the label would pass `width` (so none is
 * clipped), and only every k-th label (k = 1, 2, 5, 10, ...), the smallest
 * k whose labels do not touch.  `marks` are pixel x's, in order; returns,
 * per mark, the label's left x, or null when it is not drawn.
 */
export function epochLabelPlan(marks: number[], labels: string[], width: number): (number | null)[] {
  const left = (i: number) => {
    const w = labels[i].length * LABEL_CHAR_W;
    return marks[i] + 3 + w > width - 2 ? marks[i] - 3 - w : marks[i] + 3;
  };
  for (let k = 1; ; k = nextStride(k)) {
    const shown = marks.map((_, i) => (labels[i] && (i + 1) % k === 0) || (k >= marks.length && i === marks.length - 1 && !!labels[i]));
    let right = -Infinity;
    let fits = true;
    shown.forEach((on, i) => {
      if (on && fits) {
        const l = left(i);
        fits = l >= right + 8;
        right = l + labels[i].length * LABEL_CHAR_W;
      }
    });
    if (fits || k >= marks.length) {
      return marks.map((_, i) => (shown[i] ? left(i) : null));
    }
  }
}

export const WIDTH = 640;
export const HEIGHT = 360;
const M = { left: 64, right: 16, top: 12, bottom: 44 };

function svg<K extends keyof SVGElementTagNameMap>(
  doc: Document,
  tag: K,
  attrs: Record<string, string | number>,
  parent?: Element
): SVGElementTagNameMap[K] {
  const e = doc.createElementNS(SVG_NS, tag) as SVGElementTagNameMap[K];
  for (const [k, v] of Object.entries(attrs)) {
    e.setAttribute(k, String(v));
  }
  parent?.appendChild(e);
  return e;
}

export class LossCurveView {
  readonly node: HTMLElement;
  readonly svgNode: SVGSVGElement;
  readonly legend: HTMLElement;
  readonly logButton: HTMLButtonElement;
  readonly tooltip: HTMLElement;
  readonly note: HTMLElement;
  private titleNode: HTMLElement;
  private data: ILossCurve | null = null;
  private hidden = new Set<string>();
  private userLog: boolean | null = null; // the user's choice, once made
  private layout: ILayout | null = null;
  private hoverLayer: SVGGElement | null = null;

  constructor(readonly host: HTMLElement) {
    const doc = host.ownerDocument;
    this.node = doc.createElement('div');
    this.node.className = 'jp-DiffuseLoss';
    host.appendChild(this.node);
    this.titleNode = doc.createElement('div');
    this.titleNode.className = 'jp-DiffuseLoss-title';
    this.node.appendChild(this.titleNode);
    const bar = doc.createElement('div');
    bar.className = 'jp-DiffuseLoss-toolbar';
    this.node.appendChild(bar);
    this.legend = doc.createElement('div');
    this.legend.className = 'jp-DiffuseLoss-legend';
    bar.appendChild(this.legend);
    this.logButton = doc.createElement('button');
    this.logButton.type = 'button';
    this.logButton.className = 'jp-DiffuseLoss-log jp-mod-styled';
    this.logButton.addEventListener('click', () => {
      this.userLog = !this.isLog();
      this.draw();
    });
    bar.appendChild(this.logButton);
    const plot = doc.createElement('div');
    plot.className = 'jp-DiffuseLoss-plot';
    this.node.appendChild(plot);
    this.svgNode = svg(doc, 'svg', {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      width: WIDTH,
      height: HEIGHT,
      class: 'jp-DiffuseLoss-svg',
      role: 'img'
    });
    plot.appendChild(this.svgNode);
    this.tooltip = doc.createElement('div');
    this.tooltip.className = 'jp-DiffuseLoss-tooltip';
    this.tooltip.style.display = 'none';
    plot.appendChild(this.tooltip);
    this.note = doc.createElement('div');
    this.note.className = 'jp-DiffuseLoss-note';
    this.node.appendChild(this.note);
    this.svgNode.addEventListener('mousemove', e => this.onHover(e));
    this.svgNode.addEventListener('mouseleave', () => this.hover(null));
  }

  update(data: ILossCurve): void {
    this.data = data;
    this.draw();
  }

  /** The log axis is asked for (by the data or the user). */
  isLog(): boolean {
    return this.userLog ?? this.data?.logY ?? false;
  }

  setLog(log: boolean): void {
    this.userLog = log;
    this.draw();
  }

  toggleSeries(name: string): void {
    if (this.hidden.has(name)) {
      this.hidden.delete(name);
    } else {
      this.hidden.add(name);
    }
    this.draw();
  }

  isHidden(name: string): boolean {
    return this.hidden.has(name);
  }

  dispose(): void {
    this.node.remove();
  }

  /** Points drawn for series i: finite y (and positive y on a log axis). */
  drawnPoints(i: number): number {
    const path = this.svgNode.querySelector(`path.jp-DiffuseLoss-series[data-series="${i}"]`);
    return path ? Number(path.getAttribute('data-points')) : 0;
  }

  private visible(): { s: ISeries; i: number }[] {
    return (this.data?.series ?? [])
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => !this.hidden.has(s.name));
  }

  private computeLayout(): ILayout {
    const vis = this.visible();
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    let pos0 = Infinity, pos1 = -Infinity;
    for (const { s } of vis) {
      for (let k = 0; k < s.x.length; k++) {
        const y = s.y[k];
        x0 = Math.min(x0, s.x[k]);
        x1 = Math.max(x1, s.x[k]);
        if (y !== null) {
          y0 = Math.min(y0, y);
          y1 = Math.max(y1, y);
          if (y > 0) {
            pos0 = Math.min(pos0, y);
            pos1 = Math.max(pos1, y);
          }
        }
      }
    }
    for (const e of this.data?.epochs ?? []) {
      if (Number.isFinite(x0)) {
        // marks outside the data widen the axis only a little: keep them all
        x0 = Math.min(x0, e.x);
        x1 = Math.max(x1, e.x);
      }
    }
    if (!Number.isFinite(x0)) {
      x0 = 0;
      x1 = 1;
    }
    if (x1 === x0) {
      x0 -= 0.5;
      x1 += 0.5;
    }
    // a log axis needs a positive value; otherwise fall back to linear
    const log = this.isLog() && Number.isFinite(pos0);
    if (log) {
      y0 = pos0;
      y1 = pos1;
      if (y1 / y0 < 10) {
        const mid = Math.sqrt(y0 * y1);
        y0 = Math.min(y0, mid / Math.sqrt(10));
        y1 = Math.max(y1, mid * Math.sqrt(10));
      }
    } else {
      if (!Number.isFinite(y0)) {
        y0 = 0;
        y1 = 1;
      }
      if (y1 === y0) {
        y0 -= Math.abs(y0) * 0.5 || 0.5;
        y1 += Math.abs(y1) * 0.5 || 0.5;
      }
      const pad = (y1 - y0) * 0.05;
      y0 -= pad;
      y1 += pad;
    }
    const W = WIDTH - M.left - M.right;
    const H = HEIGHT - M.top - M.bottom;
    const ly0 = log ? Math.log10(y0) : y0;
    const ly1 = log ? Math.log10(y1) : y1;
    return {
      x0, x1, y0, y1, log,
      px: x => M.left + ((x - x0) / (x1 - x0)) * W,
      py: y => M.top + (1 - ((log ? Math.log10(y) : y) - ly0) / (ly1 - ly0)) * H,
      drawable: (y): y is number => y !== null && (!log || y > 0)
    };
  }

  private draw(): void {
    const data = this.data;
    if (!data) {
      return;
    }
    const doc = this.host.ownerDocument;
    this.titleNode.textContent = data.title;
    this.titleNode.style.display = data.title ? '' : 'none';
    const L = (this.layout = this.computeLayout());
    const askedLog = this.isLog();
    this.logButton.textContent = askedLog ? 'y: log' : 'y: linear';
    this.logButton.title = 'Switch between a logarithmic and a linear y axis';
    this.logButton.setAttribute('aria-pressed', String(askedLog));
    this.node.dataset.log = String(L.log);

    // legend: one toggle per series; none for a single series (its name is
    // the title's or the axis label's)
    this.legend.textContent = '';
    this.legend.style.display = data.series.length < 2 ? 'none' : '';
    data.series.forEach((s, i) => {
      const b = doc.createElement('button');
      b.type = 'button';
      b.className = 'jp-DiffuseLoss-legendItem';
      b.dataset.series = String(i);
      const hidden = this.hidden.has(s.name);
      b.setAttribute('aria-pressed', String(!hidden));
      b.classList.toggle('jp-mod-hidden', hidden);
      const sw = doc.createElement('span');
      sw.className = 'jp-DiffuseLoss-swatch';
      sw.style.background = PALETTE[i % PALETTE.length];
      b.appendChild(sw);
      b.appendChild(doc.createTextNode(s.name + (s.decimated ? ' (thinned)' : '')));
      b.title = hidden ? 'Show this series' : 'Hide this series';
      b.addEventListener('click', () => this.toggleSeries(s.name));
      this.legend.appendChild(b);
    });

    // the chart
    const root = this.svgNode;
    root.textContent = '';
    const axes = svg(doc, 'g', { class: 'jp-DiffuseLoss-axes' }, root);
    const W0 = M.left, W1 = WIDTH - M.right, H0 = M.top, H1 = HEIGHT - M.bottom;
    const yt = L.log ? logTicks(L.y0, L.y1) : linearTicks(L.y0, L.y1);
    for (const v of yt) {
      const y = L.py(v);
      svg(doc, 'line', { x1: W0, x2: W1, y1: y, y2: y, class: 'jp-DiffuseLoss-grid' }, axes);
      const t = svg(doc, 'text', { x: W0 - 6, y: y + 4, 'text-anchor': 'end', class: 'jp-DiffuseLoss-tick' }, axes);
      t.textContent = fmt(v);
    }
    for (const v of linearTicks(L.x0, L.x1, 6)) {
      const x = L.px(v);
      svg(doc, 'line', { x1: x, x2: x, y1: H1, y2: H1 + 5, class: 'jp-DiffuseLoss-axis' }, axes);
      const t = svg(doc, 'text', { x, y: H1 + 18, 'text-anchor': 'middle', class: 'jp-DiffuseLoss-tick' }, axes);
      t.textContent = fmt(v);
    }
    svg(doc, 'path', { d: `M${W0},${H0}V${H1}H${W1}`, class: 'jp-DiffuseLoss-axis', fill: 'none' }, axes);
    if (data.xlabel) {
      const t = svg(doc, 'text', { x: (W0 + W1) / 2, y: HEIGHT - 6, 'text-anchor': 'middle', class: 'jp-DiffuseLoss-label' }, axes);
      t.textContent = data.xlabel;
    }
    if (data.ylabel) {
      const t = svg(doc, 'text', {
        x: 0, y: 0, 'text-anchor': 'middle', class: 'jp-DiffuseLoss-label',
        transform: `translate(14,${(H0 + H1) / 2}) rotate(-90)`
      }, axes);
      t.textContent = data.ylabel;
    }

    // epoch marks
    const marks = svg(doc, 'g', { class: 'jp-DiffuseLoss-epochs' }, root);
    const visibleEpochs = data.epochs.filter(e => Number.isFinite(L.px(e.x)));
    const at = epochLabelPlan(visibleEpochs.map(e => L.px(e.x)), visibleEpochs.map(e => e.label), WIDTH);
    visibleEpochs.forEach((e, i) => {
      const x = L.px(e.x);
      svg(doc, 'line', { x1: x, x2: x, y1: H0, y2: H1, class: 'jp-DiffuseLoss-epoch', 'data-x': e.x }, marks);
      const lx = at[i];
      if (lx !== null) {
        const t = svg(doc, 'text', { x: lx, y: H0 + 10, class: 'jp-DiffuseLoss-epochLabel' }, marks);
        t.textContent = e.label;
      }
    });

    // series: a path broken at gaps (and at non-positive y on a log axis)
    let hiddenOnLog = 0;
    const lines = svg(doc, 'g', { class: 'jp-DiffuseLoss-lines' }, root);
    for (const { s, i } of this.visible()) {
      const color = PALETTE[i % PALETTE.length];
      let d = '';
      let pen = false;
      let count = 0;
      const markers: [number, number][] = [];
      for (let k = 0; k < s.x.length; k++) {
        const y = s.y[k];
        if (!L.drawable(y)) {
          if (y !== null) {
            hiddenOnLog++;
          }
          pen = false;
          continue;
        }
        const px = L.px(s.x[k]), py = L.py(y);
        d += `${pen ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`;
        pen = true;
        count++;
        markers.push([px, py]);
      }
      svg(doc, 'path', {
        d: d || 'M0,0', class: 'jp-DiffuseLoss-series', 'data-series': i,
        'data-points': count, stroke: color, fill: 'none'
      }, lines);
      if (count <= MARKER_LIMIT) {
        const g = svg(doc, 'g', { class: 'jp-DiffuseLoss-markers', 'data-series': i, fill: color }, lines);
        for (const [px, py] of markers) {
          svg(doc, 'circle', { cx: px.toFixed(1), cy: py.toFixed(1), r: count === 1 ? 3 : 2, class: 'jp-DiffuseLoss-point' }, g);
        }
      }
    }
    this.hoverLayer = svg(doc, 'g', { class: 'jp-DiffuseLoss-hover' }, root);

    const notes: string[] = [];
    if (askedLog && !L.log) {
      notes.push('no positive value: linear axis');
    } else if (hiddenOnLog > 0) {
      notes.push(`${hiddenOnLog} non-positive value${hiddenOnLog > 1 ? 's' : ''} not shown on the log axis`);
    }
    this.note.textContent = notes.join('; ');
  }

  private onHover(e: MouseEvent): void {
    const r = this.svgNode.getBoundingClientRect();
    if (!r.width) {
      return;
    }
    const x = ((e.clientX - r.left) / r.width) * WIDTH;
    this.hover(x);
  }

  /** Show the values nearest to svg x-coordinate `sx` (null: hide). */
  hover(sx: number | null): void {
    const L = this.layout;
    const layer = this.hoverLayer;
    if (!L || !layer) {
      return;
    }
    layer.textContent = '';
    if (sx === null || sx < M.left || sx > WIDTH - M.right) {
      this.tooltip.style.display = 'none';
      return;
    }
    const doc = this.host.ownerDocument;
    const xv = L.x0 + ((sx - M.left) / (WIDTH - M.left - M.right)) * (L.x1 - L.x0);
    const lines: string[] = [];
    let best: number | null = null;
    for (const { s, i } of this.visible()) {
      let bk = -1, bd = Infinity;
      for (let k = 0; k < s.x.length; k++) {
        if (!L.drawable(s.y[k])) {
          continue;
        }
        const dist = Math.abs(s.x[k] - xv);
        if (dist < bd) {
          bd = dist;
          bk = k;
        }
      }
      if (bk < 0) {
        continue;
      }
      const y = s.y[bk] as number;
      best = best === null || Math.abs(s.x[bk] - xv) < Math.abs(best - xv) ? s.x[bk] : best;
      svg(doc, 'circle', {
        cx: L.px(s.x[bk]).toFixed(1), cy: L.py(y).toFixed(1), r: 4,
        class: 'jp-DiffuseLoss-hoverPoint', stroke: PALETTE[i % PALETTE.length]
      }, layer);
      lines.push(`${s.name}: ${fmt(y)} (x=${fmt(s.x[bk])})`);
    }
    if (best === null) {
      this.tooltip.style.display = 'none';
      return;
    }
    const px = L.px(best);
    svg(doc, 'line', { x1: px, x2: px, y1: M.top, y2: HEIGHT - M.bottom, class: 'jp-DiffuseLoss-rule' }, layer);
    this.tooltip.textContent = lines.join('\n');
    this.tooltip.style.display = '';
    this.tooltip.style.left = `${(px / WIDTH) * 100}%`;
    // right half: show it on the left of the rule, so it stays inside
    this.tooltip.classList.toggle('jp-mod-left', px > WIDTH / 2);
    this.tooltip.style.top = `${M.top}px`;
  }
}
