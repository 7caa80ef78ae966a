import { document, host, key, mimeModel, PNG_A, PNG_B } from './dom';
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseProgression,
  pixelScale,
  ProgressionView,
  PROGRESSION_MIME,
  type IProgression
} from '../src/progression';
import { ProgressionRenderer } from '../src/renderers';

function bundle(n: number, extra: Record<string, unknown> = {}) {
  return {
    frames: Array.from({ length: n }, (_, i) => (i % 2 ? PNG_B : PNG_A)),
    timesteps: Array.from({ length: n }, (_, i) => 990 - 10 * i),
    width: 28,
    height: 28,
    title: 'Denoising',
    version: 1,
    ...extra
  };
}

function view(n = 5, extra = {}): ProgressionView {
  const v = new ProgressionView(host());
  v.update(parseProgression(bundle(n, extra)) as IProgression);
  return v;
}

test('parse: accepts version 1 and refuses the rest', () => {
  const p = parseProgression(bundle(3));
  assert.equal(typeof p, 'object');
  const ok = p as IProgression;
  assert.equal(ok.frames.length, 3);
  assert.ok(ok.frames[0].startsWith('data:image/png;base64,iVBOR'));
  assert.deepEqual(ok.timesteps, [990, 980, 970]);
  assert.match(parseProgression(bundle(3, { version: 2 })) as string, /version/);
  assert.match(parseProgression(bundle(0)) as string, /no frames/);
  assert.equal(typeof parseProgression(null), 'string');
  assert.equal(typeof parseProgression([]), 'string');
  assert.equal(typeof parseProgression(bundle(2, { width: -1 })), 'string');
});

test('parse: only base64 PNG frames (no HTML, no other URLs)', () => {
  for (const bad of [
    '"><img src=x onerror=alert(1)>',
    'javascript:alert(1)',
    'data:image/png;base64,' + PNG_A,
    'R0lGODlhAQABAAAAACw=', // a GIF
    PNG_A + '<',
    42
  ]) {
    const r = parseProgression(bundle(1, { frames: [bad] }));
    assert.equal(typeof r, 'string', String(bad));
  }
  // non-numeric timesteps become "?"
  const v = view(2, { timesteps: ['<b>x</b>', 5] });
  assert.match(v.label.textContent!, /^t = \?/);
});

test('pixel scaling is an integer factor, pixelated', () => {
  assert.equal(pixelScale(28, 28), 9);
  assert.equal(pixelScale(64, 64), 4);
  assert.equal(pixelScale(256, 256), 1);
  assert.equal(pixelScale(1000, 10), 1);
  const v = view(2);
  assert.equal(v.img.width, 28 * 9);
  assert.equal(v.img.style.width, '252px');
  // no fixed height: on a narrower page the frame shrinks (CSS max-width)
  // and keeps its aspect
  assert.equal(v.img.style.height, 'auto');
  const v64 = view(2, { width: 64, height: 64 });
  assert.equal(v64.img.width, 256);
  const css = readFileSync(join(__dirname, '..', '..', 'style', 'index.css'), 'utf8');
  assert.match(css, /\.jp-DiffuseProgression-frame\s*\{[^}]*image-rendering:\s*pixelated/);
  assert.match(css, /\.jp-DiffuseProgression-frame\s*\{[^}]*max-width:\s*100%/);
});

test('the slider changes the frame and the timestep label', () => {
  const v = view(5);
  assert.equal(v.index, 0);
  assert.equal(v.slider.max, '4');
  assert.match(v.label.textContent!, /t = 990 +\(1\/5\)/);
  assert.ok(v.img.src.endsWith(PNG_A));
  v.slider.value = '3';
  v.slider.dispatchEvent(new (document.defaultView as any).Event('input'));
  assert.equal(v.index, 3);
  assert.ok(v.img.src.endsWith(PNG_B));
  assert.match(v.label.textContent!, /t = 960 +\(4\/5\)/);
  assert.equal(v.node.dataset.timestep, '960');
});

test('keyboard: arrows, shift+arrows, Home/End, space', () => {
  const v = view(30);
  let e = key(v.node, 'ArrowRight');
  assert.equal(v.index, 1);
  assert.ok(e.defaultPrevented, 'arrow keys must not reach the notebook');
  key(v.node, 'ArrowRight', { shiftKey: true });
  assert.equal(v.index, 11);
  key(v.node, 'ArrowLeft');
  assert.equal(v.index, 10);
  key(v.node, 'End');
  assert.equal(v.index, 29);
  key(v.node, 'ArrowRight');
  assert.equal(v.index, 29, 'clamped at the last frame');
  key(v.node, 'Home');
  assert.equal(v.index, 0);
  // keys on the slider itself step once (the native step is prevented)
  e = key(v.slider, 'ArrowRight');
  assert.equal(v.index, 1);
  assert.ok(e.defaultPrevented);
  key(v.node, ' ');
  assert.ok(v.playing);
  key(v.node, ' ');
  assert.ok(!v.playing);
  e = key(v.node, 'a');
  assert.ok(!e.defaultPrevented, 'other keys pass through');
  v.dispose();
});

test('play advances with the speed and stops at the last frame', () => {
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    const v = view(4);
    v.playButton.click();
    assert.ok(v.playing);
    assert.equal(v.playButton.getAttribute('aria-label'), 'pause');
    mock.timers.tick(125); // 8 frames/s at 1x
    assert.equal(v.index, 1);
    v.speedSelect.value = '4';
    v.speedSelect.dispatchEvent(new (document.defaultView as any).Event('change'));
    mock.timers.tick(32);
    assert.equal(v.index, 2);
    mock.timers.tick(1000);
    assert.equal(v.index, 3);
    assert.ok(!v.playing, 'stops at the end');
    // play again from the end restarts at the first frame
    v.play();
    assert.equal(v.index, 0);
    v.pause();
    // moving the slider pauses
    v.play();
    v.slider.value = '2';
    v.slider.dispatchEvent(new (document.defaultView as any).Event('input'));
    assert.ok(!v.playing);
    v.dispose();
  } finally {
    mock.timers.reset();
  }
});

test('update keeps the shown frame (update_display_data)', () => {
  const v = view(5);
  v.show(3);
  v.update(parseProgression(bundle(8)) as IProgression);
  assert.equal(v.index, 3);
  assert.equal(v.slider.max, '7');
  v.update(parseProgression(bundle(2)) as IProgression);
  assert.equal(v.index, 1, 'clamped to the new frame count');
  const one = view(1);
  assert.ok(one.slider.disabled && one.playButton.disabled);
});

test('renderer widget: renders, re-renders in place, falls back safely', async () => {
  const r = new ProgressionRenderer(PROGRESSION_MIME);
  await r.renderModel(mimeModel({ [PROGRESSION_MIME]: bundle(3, { title: '<img src=x onerror=alert(1)>' }) }));
  const node = r.progression!.node;
  assert.equal(r.node.querySelectorAll('img').length, 1, 'only the frame image');
  assert.equal(r.node.querySelector('.jp-DiffuseProgression-title')!.textContent, '<img src=x onerror=alert(1)>');
  r.progression!.show(2);
  await r.renderModel(mimeModel({ [PROGRESSION_MIME]: bundle(4) }));
  assert.equal(r.progression!.node, node, 'same DOM, redrawn in place');
  assert.equal(r.progression!.index, 2);
  // an unknown version: the bundle's PNG fallback and a note
  await r.renderModel(mimeModel({ [PROGRESSION_MIME]: bundle(3, { version: 9 }), 'image/png': PNG_A }));
  assert.equal(r.progression, null);
  const img = r.node.querySelector('img.jp-Diffuse-fallbackImage') as HTMLImageElement;
  assert.ok(img && img.src.endsWith(PNG_A));
  assert.match(r.node.textContent!, /unknown version 9/);
  // a bad fallback is not shown either
  await r.renderModel(mimeModel({ [PROGRESSION_MIME]: { version: 9 }, 'image/png': 'javascript:x' }));
  assert.equal(r.node.querySelectorAll('img').length, 0);
  r.dispose();
});
