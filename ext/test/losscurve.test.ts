import { host, mimeModel } from './dom';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  epochLabelPlan,
  ILossCurve,
  linearTicks,
  logTicks,
  LossCurveView,
  LOSSCURVE_MIME,
  MARKER_LIMIT,
  parseLossCurve,
  WIDTH
} from '../src/losscurve';
import { LossCurveRenderer } from '../src/renderers';
import extensions, { RANK } from '../src/mime';
import { PROGRESSION_MIME } from '../src/progression';

const SAMPLE = {
  series: [
    { name: 'train', x: [1, 2, 3, 4], y: [1.41, 0.93, null, 0.5] },
    { name: 'val', x: [2, 4], y: [0.8, 0.6], decimated: true }
  ],
  log_y: false,
  epochs: [{ x: 2.5, label: 'epoch 1' }],
  title: 'Training loss',
  xlabel: 'step',
  ylabel: 'MSE',
  version: 1
};

function view(data: unknown = SAMPLE): LossCurveView {
  const v = new LossCurveView(host());
  v.update(parseLossCurve(data) as ILossCurve);
  return v;
}

const points = (v: LossCurveView, i: number) =>
  v.svgNode.querySelectorAll(`g.jp-DiffuseLoss-markers[data-series="${i}"] circle`).length;

test('parse: version, nulls, default x, epochs, text only', () => {
  const p = parseLossCurve(SAMPLE) as ILossCurve;
  assert.equal(p.series.length, 2);
  assert.deepEqual(p.series[0].y, [1.41, 0.93, null, 0.5]);
  assert.ok(p.series[1].decimated);
  assert.deepEqual(p.epochs, [{ x: 2.5, label: 'epoch 1' }]);
  assert.match(parseLossCurve({ ...SAMPLE, version: 2 }) as string, /version/);
  assert.equal(typeof parseLossCurve('x'), 'string');
  const q = parseLossCurve({ version: 1, series: [{ name: 7, y: [3, 'x', 1] }] }) as ILossCurve;
  assert.deepEqual(q.series[0].x, [0, 1, 2]);
  assert.deepEqual(q.series[0].y, [3, null, 1]);
  assert.equal(q.series[0].name, 'series 1');
});

test('ticks', () => {
  assert.deepEqual(linearTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(linearTicks(0, 1000, 5), [0, 200, 400, 600, 800, 1000]);
  assert.deepEqual(logTicks(0.001, 10), [0.001, 0.01, 0.1, 1, 10]);
  assert.ok(logTicks(1e-30, 1e30).length <= 9);
  assert.deepEqual(logTicks(0.15, 1.1), [0.2, 0.5, 1]);
});

test('draws every point, breaks lines at gaps, marks epochs', () => {
  const v = view();
  assert.equal(v.drawnPoints(0), 3);
  assert.equal(v.drawnPoints(1), 2);
  assert.equal(points(v, 0), 3);
  const d = v.svgNode.querySelector('path.jp-DiffuseLoss-series[data-series="0"]')!.getAttribute('d')!;
  assert.equal((d.match(/M/g) ?? []).length, 2, 'a gap at the null');
  assert.equal(v.svgNode.querySelectorAll('line.jp-DiffuseLoss-epoch').length, 1);
  assert.match(v.svgNode.textContent!, /epoch 1/);
  assert.match(v.node.textContent!, /Training loss/);
  assert.match(v.legend.textContent!, /val \(thinned\)/);
  assert.equal(v.node.dataset.log, 'false');
});

test('series toggle hides and shows a series', () => {
  const v = view();
  const val = v.legend.querySelector('[data-series="1"]') as HTMLButtonElement;
  val.click();
  assert.ok(v.isHidden('val'));
  assert.equal(v.svgNode.querySelector('path[data-series="1"]'), null);
  const again = v.legend.querySelector('[data-series="1"]') as HTMLButtonElement;
  assert.equal(again.getAttribute('aria-pressed'), 'false');
  again.click();
  assert.equal(v.drawnPoints(1), 2);
});

test('log/linear switch; non-positive values left out on a log axis', () => {
  const data = {
    ...SAMPLE,
    log_y: true,
    series: [{ name: 'loss', x: [0, 1, 2, 3], y: [1, 0, -1, 0.01] }]
  };
  const v = view(data);
  assert.equal(v.node.dataset.log, 'true');
  assert.equal(v.drawnPoints(0), 2);
  assert.match(v.note.textContent!, /2 non-positive values not shown/);
  assert.equal(v.logButton.textContent, 'y: log');
  v.logButton.click();
  assert.equal(v.node.dataset.log, 'false');
  assert.equal(v.drawnPoints(0), 4);
  assert.equal(v.note.textContent, '');
  // the user's choice survives an update
  v.update(parseLossCurve(data) as ILossCurve);
  assert.equal(v.node.dataset.log, 'false');
  // no positive value at all: a linear axis, said so
  const w = view({ ...SAMPLE, log_y: true, series: [{ name: 'z', x: [0, 1], y: [0, -2] }] });
  assert.equal(w.node.dataset.log, 'false');
  assert.match(w.note.textContent!, /linear/);
});

test('hover shows the nearest values', () => {
  const v = view();
  // svg x of data x=4 (the last point) in a 640-wide chart
  v.hover(620);
  assert.notEqual(v.tooltip.style.display, 'none');
  assert.match(v.tooltip.textContent!, /train: 0\.5 \(x=4\)/);
  assert.match(v.tooltip.textContent!, /val: 0\.6 \(x=4\)/);
  assert.ok(v.tooltip.classList.contains('jp-mod-left'), 'kept inside on the right');
  assert.equal(v.svgNode.querySelectorAll('.jp-DiffuseLoss-hoverPoint').length, 2);
  v.hover(null);
  assert.equal(v.tooltip.style.display, 'none');
});

test('redraws in place as points arrive; many points have no markers', async () => {
  const r = new LossCurveRenderer(LOSSCURVE_MIME);
  const grow = (n: number) => ({
    ...SAMPLE,
    series: [{ name: 'train', x: [...Array(n).keys()], y: Array.from({ length: n }, (_, i) => 1 / (i + 1)) }]
  });
  await r.renderModel(mimeModel({ [LOSSCURVE_MIME]: grow(5) }));
  const node = r.lossCurve!.node;
  assert.equal(r.lossCurve!.drawnPoints(0), 5);
  r.lossCurve!.toggleSeries('train'); // hide train (one series: no legend to click)
  await r.renderModel(mimeModel({ [LOSSCURVE_MIME]: grow(9) }));
  assert.equal(r.lossCurve!.node, node);
  assert.ok(r.lossCurve!.isHidden('train'), 'toggles survive updates');
  r.lossCurve!.toggleSeries('train');
  assert.equal(r.lossCurve!.drawnPoints(0), 9);
  await r.renderModel(mimeModel({ [LOSSCURVE_MIME]: grow(MARKER_LIMIT + 1) }));
  assert.equal(r.lossCurve!.drawnPoints(0), MARKER_LIMIT + 1);
  assert.equal(points(r.lossCurve!, 0), 0);
  r.dispose();
});

test('text goes in as text; refused bundles fall back', async () => {
  const evil = '<img src=x onerror=alert(1)>';
  const v = view({ ...SAMPLE, title: evil, xlabel: evil, series: [{ name: evil, x: [0], y: [1] }] });
  assert.equal(v.node.querySelectorAll('img').length, 0);
  assert.ok(v.node.textContent!.includes(evil));
  const r = new LossCurveRenderer(LOSSCURVE_MIME);
  await r.renderModel(mimeModel({ [LOSSCURVE_MIME]: { version: 3 } }));
  assert.match(r.node.textContent!, /unknown version 3/);
  r.dispose();
});

test('mime extension: safe, ranked below the built-in image/SVG/HTML renderers', () => {
  assert.equal(extensions.length, 2);
  const types = extensions.flatMap(e => e.rendererFactory.mimeTypes);
  assert.deepEqual(types.sort(), [LOSSCURVE_MIME, PROGRESSION_MIME].sort());
  for (const e of extensions) {
    assert.equal(e.rendererFactory.safe, true);
    assert.ok(e.rank! < 50 && e.rendererFactory.defaultRank! < 50);
    assert.equal(e.dataType, 'json');
    const r = e.rendererFactory.createRenderer({
      mimeType: e.rendererFactory.mimeTypes[0]
    } as any);
    assert.equal(typeof r.renderModel, 'function');
    r.dispose();
  }
  assert.equal(RANK, 10);
});

test('epoch labels thin out instead of touching, and none passes the right edge', () => {
  const marks = Array.from({ length: 10 }, (_, i) => 100 + i * 50);
  const labels = marks.map((_, i) => `epoch ${i + 1}`);
  const at = epochLabelPlan(marks, labels, WIDTH);
  const shown = at.map((x, i) => ({ x, w: labels[i].length * 7 })).filter(l => l.x !== null);
  assert.ok(shown.length >= 2 && shown.length < 10, `${shown.length} labels`);
  for (let i = 1; i < shown.length; i++) {
    assert.ok(shown[i].x! >= shown[i - 1].x! + shown[i - 1].w, 'labels overlap');
  }
  const last = shown[shown.length - 1];
  assert.ok(last.x! + last.w <= WIDTH, 'the last label is clipped');
  // one mark at the right edge: its label turns left of it
  const [edge] = epochLabelPlan([WIDTH - 10], ['epoch 10'], WIDTH);
  assert.ok(edge !== null && edge + 8 * 7 <= WIDTH);
});

test('a single series has no legend; two have one', () => {
  const one = view({ ...SAMPLE, series: [SAMPLE.series[0]] });
  assert.equal(one.legend.style.display, 'none');
  const two = view();
  assert.notEqual(two.legend.style.display, 'none');
});
