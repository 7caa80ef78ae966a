// Browser tests of the diffuse front-end support, headless Debian chromium
// driven by playwright-core:
//   1. JupyterLab 4 (the venv's): the notebook below runs; its cells are
//      highlighted by ext/'s language; the progression scrubber's slider and
//      keys change the frame and timestep; the loss plots show the right
//      number of points and the training plot gains points while it runs;
//      no error output.  The notebook is saved with its outputs.
//   2. Notebook 7 (same server) renders the saved notebook with our
//      renderers (untrusted, so this also checks safe: true).
//   3. Debian's classic notebook 6 shows the PNG/SVG fallbacks and colors
//      diffuse cells (the kernelspec's kernel.js).
// And stop_on_error: JupyterLab's Run All on a notebook whose second cell
// fails leaves every later cell unexecuted.
// Screenshots go to build/browser/.  Run: node --test tests/browser/
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, jupyterState, launchBrowser, ROOT, startServer, VENV } from './servers.mjs';

const NB = 'diffuse-frontends.ipynb';
const PROGRESSION = 'application/vnd.diffuse.progression+json';
const LOSS = 'application/vnd.diffuse.losscurve+json';
// the kernel redraws the training plot every 2 s and at each epoch's end:
// 3 epochs of 8 steps give at least 3 redraws however fast the machine is
const TRAIN_EPOCHS = 3;
const TRAIN_STEPS = 24;
const commands = JSON.parse(
  execFileSync(join(VENV, 'bin', 'diffuse'), ['--commands-json'], { encoding: 'utf8' })
).map(c => c.name);
const HAS_TRAIN = ['train', 'unet', 'mnist'].every(c => commands.includes(c));
const rocket = join(ROOT, 'notebooks', 'data', 'rocket.jpg');

const CELLS = [
  // 0: highlighting (and a result)
  'seed 180  # reproducible\nx = round 3.14159 digits=2\nprint "pi is about" x true',
  // 1: progression of the forward process at 64x64
  `img = resize (load "${rocket}") [64, 64]\nts = [0, 250, 500, 750, 999]\n` +
    'progression (forward img t=ts) ts title="forward process"',
  // 2: a static loss plot, 4 points per series
  'plot [0.9, 0.5, 0.3, 0.2] [1.0, 0.6, 0.45, 0.4] names=["train", "test"] log=true title="loss"',
  // 3: live loss curve while training (if the kernel has `train`)
  HAS_TRAIN
    ? `train_set = mnist "train"\nmodel = unet "time" hidden=4\n` +
      `train model train_set epochs=${TRAIN_EPOCHS} batch=8 subset=${TRAIN_STEPS / TRAIN_EPOCHS * 8}`
    : 'plot [3, 2, 1] title="no train command in this kernel"'
];

// Run All sends every cell at once: the kernel must abort all those after
// the failing cell 1, including any still on their way when it fails.
const SOE_NB = 'diffuse-stop-on-error.ipynb';
const SOE_CELLS = [
  'soe_first = 1\nsoe_first',
  'soe_undefined_name',
  'print "cell 2 ran"',
  'soe_first = 3',
  'print "cell 4 ran"',
  'seed 1\nprint "cell 5 ran"',
  'soe_first'
];

function notebook(cells = CELLS) {
  return {
    cells: cells.map((src, i) => ({
      cell_type: 'code', execution_count: null, id: `cell-${i}`, metadata: {}, outputs: [],
      source: src
    })),
    metadata: {
      kernelspec: { display_name: 'diffuse', language: 'diffuse', name: 'diffuse' },
      language_info: { name: 'diffuse', codemirror_mode: 'diffuse', file_extension: '.diffuse', mimetype: 'text/x-diffuse' }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
}

let state, lab, browser;
const shot = name => join(ARTIFACTS, name);

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  state = jupyterState('diffuse-browser-');
  writeFileSync(join(state.root, NB), JSON.stringify(notebook(), null, 1));
  writeFileSync(join(state.root, SOE_NB), JSON.stringify(notebook(SOE_CELLS), null, 1));
  lab = await startServer('lab', state, join(ARTIFACTS, 'jupyter-lab.log'));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await lab?.stop();
});

async function newPage() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
  const errors = [];
  // errors from our extension's code (its bundle's URLs name it) or naming it
  page.on('pageerror', e => {
    if (/diffuse/i.test(`${e} ${e.stack ?? ''}`)) errors.push(String(e.stack ?? e));
  });
  page.on('console', m => {
    if (m.type() === 'error' && /diffuse/i.test(m.text())) errors.push(m.text());
  });
  return { page, errors };
}

/** The output area nodes of code cell i (JupyterLab / Notebook 7). */
const cellOutput = (page, i) => page.locator('.jp-Notebook .jp-CodeCell').nth(i).locator('.jp-OutputArea');

test('JupyterLab: highlighting, scrubber, live loss curve, no errors', { timeout: 600_000 }, async () => {
  const { page, errors } = await newPage();
  try {
    await page.goto(lab.url(`/lab/tree/${NB}`), { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => window.jupyterapp?.shell?.currentWidget?.sessionContext, null, { timeout: 120_000 });
    // the extension is loaded (both plugins)
    const plugins = await page.evaluate(() => window.jupyterapp.listPlugins?.() ?? []);
    assert.ok(plugins.includes('diffuse-jupyterlab:language'), 'language plugin loaded');
    // kernel diffuse idle
    await page.waitForFunction(() => {
      const s = window.jupyterapp.shell.currentWidget.sessionContext;
      return s.session?.kernel?.name === 'diffuse' && s.session.kernel.status === 'idle';
    }, null, { timeout: 120_000 });

    // highlighting of cell 0
    const editor = page.locator('.jp-Notebook .jp-CodeCell').nth(0).locator('.cm-content');
    await editor.locator('.tok-keyword').first().waitFor({ timeout: 30_000 });
    const cls = await editor.evaluate(el => {
      const out = {};
      for (const span of el.querySelectorAll('span[class*="tok-"]')) {
        (out[span.textContent] ??= []).push(span.className);
      }
      return out;
    });
    const has = (text, c) => assert.ok((cls[text] ?? []).some(k => k.split(' ').includes(c)),
      `${text} -> ${c} (${JSON.stringify(cls)})`);
    has('seed', 'tok-command');
    has('round', 'tok-command');
    has('print', 'tok-command');
    has('digits', 'tok-kwarg');
    has('true', 'tok-keyword');
    has('"pi is about"', 'tok-string');
    has('3.14159', 'tok-number');
    has('# reproducible', 'tok-comment');
    has('x', 'tok-definition'); // x = ...
    has('x', 'tok-variableName'); // print ... x
    const lang = await page.evaluate(() =>
      window.jupyterapp.shell.currentWidget.content.widgets[0].editor.model.mimeType);
    assert.equal(lang, 'text/x-diffuse');

    // run all; record every drawing of the training plot (cell 3): each
    // redraw adds a new series path, whatever the timing
    await page.evaluate(() => {
      window.__dkSeen = [];
      const cell = window.jupyterapp.shell.currentWidget.content.widgets[3].node;
      new MutationObserver(records => {
        for (const r of records) {
          for (const n of r.addedNodes) {
            if (n.nodeType !== 1) continue;
            const paths = n.matches('path.jp-DiffuseLoss-series[data-series="0"]') ? [n]
              : n.querySelectorAll('path.jp-DiffuseLoss-series[data-series="0"]');
            for (const p of paths) window.__dkSeen.push(Number(p.getAttribute('data-points')));
          }
        }
      }).observe(cell, { childList: true, subtree: true });
      window.__dkRun = window.jupyterapp.commands.execute('notebook:run-all-cells').then(
        () => 'done', e => 'failed: ' + e);
    });
    await page.waitForFunction(() => {
      const nb = window.jupyterapp.shell.currentWidget;
      return nb.content.widgets.every(c => c.model.executionCount !== null) &&
        nb.sessionContext.session.kernel.status === 'idle';
    }, null, { timeout: 480_000, polling: 250 });
    const seen = (await page.evaluate(() => window.__dkSeen)).filter((n, k, a) => k === 0 || n !== a[k - 1]);
    assert.equal(await page.evaluate(() => window.__dkRun), 'done');

    // no error output anywhere
    const errs = await page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').allTextContents();
    assert.deepEqual(errs, [], 'error/stderr outputs');
    await page.screenshot({ path: shot('lab-notebook.png'), fullPage: true });

    // cell 0's result
    assert.match(await cellOutput(page, 0).innerText(), /pi is about 3\.14 true/);

    // progression scrubber (cell 1)
    const prog = cellOutput(page, 1).locator('.jp-DiffuseProgression');
    await prog.waitFor();
    const label = prog.locator('.jp-DiffuseProgression-label');
    const frame = prog.locator('img.jp-DiffuseProgression-frame');
    assert.match(await label.innerText(), /t = 0 +\(1\/5\)/);
    const src0 = await frame.getAttribute('src');
    const style = await frame.evaluate(img => ({
      rendering: getComputedStyle(img).imageRendering, w: img.width, nat: img.naturalWidth
    }));
    assert.equal(style.rendering, 'pixelated');
    assert.equal(style.nat, 64);
    assert.equal(style.w, 256);
    await prog.locator('input.jp-DiffuseProgression-slider').fill('3');
    assert.match(await label.innerText(), /t = 750 +\(4\/5\)/);
    assert.notEqual(await frame.getAttribute('src'), src0);
    await prog.locator('.jp-DiffuseProgression-slider').focus();
    await page.keyboard.press('ArrowLeft');
    assert.match(await label.innerText(), /t = 500 +\(3\/5\)/);
    await page.keyboard.press('End');
    assert.match(await label.innerText(), /t = 999 +\(5\/5\)/);
    await page.keyboard.press('Home');
    await page.keyboard.press('Space');
    await page.waitForFunction(el => el.dataset.frame === '4', await prog.elementHandle(), { timeout: 10_000 });
    await prog.screenshot({ path: shot('lab-progression.png') });

    // static loss plot (cell 2): two series of 4 points, log axis
    const plot = cellOutput(page, 2).locator('.jp-DiffuseLoss');
    await plot.waitFor();
    assert.equal(await plot.locator('path.jp-DiffuseLoss-series').count(), 2);
    for (const i of [0, 1]) {
      assert.equal(await plot.locator(`path.jp-DiffuseLoss-series[data-series="${i}"]`).getAttribute('data-points'), '4');
      assert.equal(await plot.locator(`g.jp-DiffuseLoss-markers[data-series="${i}"] circle`).count(), 4);
    }
    assert.equal(await plot.getAttribute('data-log'), 'true');
    // hover shows values; the legend toggles a series; the axis switches
    await plot.scrollIntoViewIfNeeded();
    const box = await plot.locator('svg.jp-DiffuseLoss-svg').boundingBox();
    await page.mouse.move(box.x + box.width * 0.97, box.y + box.height * 0.5);
    assert.match(await plot.locator('.jp-DiffuseLoss-tooltip').innerText(), /train: 0\.2 \(x=3\)/);
    await plot.screenshot({ path: shot('lab-losscurve-hover.png') });
    await plot.locator('.jp-DiffuseLoss-legendItem[data-series="1"]').click();
    assert.equal(await plot.locator('path.jp-DiffuseLoss-series').count(), 1);
    await plot.locator('.jp-DiffuseLoss-log').click();
    assert.equal(await plot.getAttribute('data-log'), 'false');

    // live training curve (cell 3)
    const live = cellOutput(page, 3).locator('.jp-DiffuseLoss');
    await live.waitFor();
    const final = Number(await live.locator('path.jp-DiffuseLoss-series[data-series="0"]').getAttribute('data-points'));
    if (HAS_TRAIN) {
      assert.equal(final, TRAIN_STEPS, `one point per step (seen ${seen})`);
      assert.ok(seen.filter(n => n > 0 && n < TRAIN_STEPS).length >= 2, `the plot grew while training: ${seen}`);
      assert.ok(await live.locator('line.jp-DiffuseLoss-epoch').count() >= TRAIN_EPOCHS - 1, 'epoch marks');
      for (let k = 1; k < seen.length; k++) assert.ok(seen[k] > seen[k - 1], `grows: ${seen}`);
      // exactly one loss plot in that cell: updated in place, not appended
      assert.equal(await cellOutput(page, 3).locator('.jp-DiffuseLoss').count(), 1);
    } else {
      assert.equal(final, 3);
      console.log('# note: the kernel has no `train` command: static plot only');
    }
    await live.screenshot({ path: shot('lab-training-losscurve.png') });

    // save with outputs for the other front-ends
    await page.evaluate(() => window.jupyterapp.commands.execute('docmanager:save'));
    await page.waitForFunction(() => !window.jupyterapp.shell.currentWidget.context.model.dirty);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('JupyterLab: Run All stops at a failing cell (stop_on_error)', { timeout: 240_000 }, async () => {
  const { page, errors } = await newPage();
  try {
    // a workspace of its own, so that no notebook of the test above is
    // restored beside this one; commands act on the current notebook, so
    // everything below also finds this one by its path and makes it current
    await page.goto(lab.url(`/lab/workspaces/stop-on-error/tree/${SOE_NB}`), { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(nb => {
      const app = window.jupyterapp;
      const panel = app && [...app.shell.widgets('main')].find(w => w.context?.path === nb);
      if (!panel) return false;
      window.__dkPanel = panel;
      const k = panel.sessionContext.session?.kernel;
      return k?.name === 'diffuse' && k.status === 'idle';
    }, SOE_NB, { timeout: 120_000 });
    await page.evaluate(() => window.jupyterapp.shell.activateById(window.__dkPanel.id));
    await page.waitForFunction(() => window.jupyterapp.shell.currentWidget === window.__dkPanel);
    await page.evaluate(() => {
      window.__dkSoe = undefined;
      window.jupyterapp.commands.execute('notebook:run-all-cells').then(
        r => (window.__dkSoe = `done ${r}`), e => (window.__dkSoe = `failed: ${e}`));
    });
    // settled: Run All has returned, no cell is running, the kernel idles
    await page.waitForFunction(() => {
      const panel = window.__dkPanel;
      return window.__dkSoe !== undefined &&
        panel.content.widgets.every(c => c.model.executionState !== 'running') &&
        panel.sessionContext.session.kernel.status === 'idle';
    }, null, { timeout: 120_000, polling: 100 });
    const cells = () => page.evaluate(() =>
      window.__dkPanel.content.widgets.map(c => ({
        count: c.model.executionCount,
        outputs: c.model.outputs.toJSON(),
        prompt: c.node.querySelector('.jp-InputPrompt')?.textContent.trim()
      })));
    let seen = await cells();
    await page.screenshot({ path: shot('lab-stop-on-error.png'), fullPage: true });
    assert.equal(seen[0].count, 1, JSON.stringify(seen[0]));
    assert.equal(seen[0].outputs[0]?.data?.['text/plain'], '1');
    assert.equal(seen[1].count, 2);
    assert.deepEqual(seen[1].outputs.map(o => [o.output_type, o.ename]), [['error', 'NameError']]);
    for (let i = 2; i < SOE_CELLS.length; i++) {
      assert.equal(seen[i].count, null, `cell ${i} has no execution count: ${JSON.stringify(seen[i])}`);
      assert.deepEqual(seen[i].outputs, [], `cell ${i} has no output`);
      assert.equal(seen[i].prompt, '[ ]:', `cell ${i}'s prompt`);
    }
    // the aborted cells did not run: cell 3 did not change soe_first; and
    // a cell run by hand afterwards runs
    await page.evaluate(() => {
      window.__dkPanel.content.activeCellIndex = 6;
      return window.jupyterapp.commands.execute('notebook:run-cell');
    });
    await page.waitForFunction(() => window.__dkPanel.content.widgets[6].model.executionCount !== null,
      null, { timeout: 60_000 });
    seen = await cells();
    assert.equal(seen[6].count, 3);
    assert.equal(seen[6].outputs[0]?.data?.['text/plain'], '1');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('Notebook 7: the saved (untrusted) notebook renders with the extension', { timeout: 180_000 }, async () => {
  const saved = JSON.parse(readFileSync(join(state.root, NB), 'utf8'));
  const mimes = saved.cells.flatMap(c => c.outputs.flatMap(o => Object.keys(o.data ?? {})));
  assert.ok(mimes.includes(PROGRESSION) && mimes.includes(LOSS), 'outputs saved');
  // a changed copy: its signature no longer matches, so it opens untrusted
  // and only safe renderers may draw its outputs
  saved.metadata.diffuse_test_copy = true;
  writeFileSync(join(state.root, 'untrusted.ipynb'), JSON.stringify(saved, null, 1));
  const { page, errors } = await newPage();
  try {
    await page.goto(lab.url('/notebooks/untrusted.ipynb'), { waitUntil: 'domcontentloaded' });
    await page.locator('.jp-DiffuseProgression').first().waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => document.querySelectorAll('.jp-DiffuseLoss').length === 2,
      null, { timeout: 60_000 });
    // the server marks the copy's cells untrusted (jupyter_server's
    // mark_trusted_cells), so only safe renderers could draw these
    const api = await (await fetch(lab.url('/api/contents/untrusted.ipynb'))).json();
    assert.equal(api.content.cells[1].metadata.trusted, false, 'the copy is untrusted');
    await page.locator('.jp-Notebook .jp-CodeCell .cm-content .tok-command').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: shot('notebook7.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('classic notebook 6: PNG/SVG fallbacks', { timeout: 240_000 }, async () => {
  const classic = await startServer('classic', state, join(ARTIFACTS, 'jupyter-notebook-classic.log'));
  const { page } = await newPage();
  try {
    await page.goto(classic.url(`/notebooks/${NB}`), { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => window.Jupyter?.notebook?._fully_loaded, null, { timeout: 120_000 });
    await page.locator('#kernel_indicator_icon.kernel_idle_icon').waitFor({ timeout: 120_000 });
    assert.equal(await page.evaluate(() => window.Jupyter.notebook.kernel.name), 'diffuse');
    await page.screenshot({ path: shot('classic-notebook-opened.png'), fullPage: true });
    // highlighting: the kernelspec's kernel.js defines the CodeMirror 5 mode
    // `diffuse` (language_info.codemirror_mode) with the kernel's words
    await page.waitForFunction(() => window.Jupyter.notebook.get_cell(0).code_mirror.getMode().name === 'diffuse',
      null, { timeout: 30_000 });
    const classicTokens = await page.locator('.cell.code_cell').first().locator('.CodeMirror-code span[class^="cm-"]')
      .evaluateAll(spans => spans.map(s => [s.className, s.textContent]));
    const has = (cls, text) => classicTokens.some(([c, t]) => c.includes(cls) && t === text);
    assert.ok(has('cm-builtin', 'seed') && has('cm-builtin', 'round') && has('cm-number', '180') &&
      has('cm-comment', '# reproducible') && has('cm-string', '"pi is about"') && has('cm-atom', 'true') &&
      has('cm-attribute', 'digits') && has('cm-def', 'x'), `classic tokens: ${JSON.stringify(classicTokens)}`);
    // saved outputs (the notebook is trusted: Lab signed it in this Jupyter
    // data dir): the progression as its strip of PNGs (text/html fallback),
    // the plots as SVG (image/svg+xml fallback) with PNG in reserve
    const cell = i => page.locator('.cell.code_cell').nth(i).locator('.output_area');
    const strip = await cell(1).locator('img').evaluateAll(imgs =>
      imgs.map(i => ({ src: i.src.slice(0, 22), w: i.naturalWidth })));
    assert.ok(strip.length >= 5 && strip.every(i => i.src === 'data:image/png;base64,' && i.w > 0),
      `progression fallback: ${JSON.stringify(strip)}`);
    for (const i of [2, 3]) {
      const n = await cell(i).locator('.output_svg svg, .output_png img').count();
      assert.ok(n >= 1, `plot fallback in cell ${i}`);
      assert.equal(await cell(i).locator('.output_svg svg polyline.series, .output_png img').count() > 0, true);
    }
    // the custom types' JSON never shows as text
    const text = await page.locator('#notebook').innerText();
    assert.ok(!text.includes('"frames"') && !text.includes('"series"'));
    // the kernel runs in the classic notebook too
    await page.evaluate(() => {
      window.Jupyter.notebook.get_cell(0).clear_output();
      window.Jupyter.notebook.execute_cells([0]);
    });
    await page.waitForFunction(() => /pi is about 3\.14 true/.test(
      document.querySelectorAll('.cell.code_cell')[0].querySelector('.output_area')?.innerText ?? ''),
    null, { timeout: 60_000 });
    await page.locator('#kernel_indicator_icon.kernel_idle_icon').waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('.output_error').count(), 0);
    await page.screenshot({ path: shot('classic-notebook.png'), fullPage: true });
  } finally {
    await page.close();
    await classic.stop();
  }
});
