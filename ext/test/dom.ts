// A jsdom window as the global DOM, set up before Lumino is imported
// (import this module first).
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>', {
  pretendToBeVisual: true
});
const g = globalThis as any;
for (const key of [
  'window', 'document', 'navigator', 'HTMLElement', 'HTMLInputElement', 'Element',
  'Node', 'Event', 'KeyboardEvent', 'MouseEvent', 'SVGElement', 'getComputedStyle',
  'requestAnimationFrame', 'cancelAnimationFrame', 'MutationObserver', 'DOMParser'
]) {
  if (!(key in g) || key === 'window' || key === 'document' || key === 'navigator') {
    Object.defineProperty(g, key, {
      value: key === 'window' ? dom.window : (dom.window as any)[key],
      configurable: true,
      writable: true
    });
  }
}

// jsdom has no DragEvent; @lumino/dragdrop subclasses it at import time
if (!('DragEvent' in g)) {
  g.DragEvent = class DragEvent extends (dom.window as any).MouseEvent {};
}

export const window = dom.window;
export const document = dom.window.document;

/** A fresh host element attached to the document. */
export function host(): HTMLElement {
  const h = document.createElement('div');
  document.body.appendChild(h);
  return h as unknown as HTMLElement;
}

export function key(target: Element, k: string, init: Record<string, unknown> = {}): KeyboardEvent {
  const e = new dom.window.KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(e);
  return e as unknown as KeyboardEvent;
}

// two 2x2 gray PNGs (black / white), base64 without a data: prefix.
export const PNG_A =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAAAAABX3VL4AAAADklEQVR4nGNgYGBgYAAAAAYAAXKCmeoAAAAASUVORK5CYII=';
export const PNG_B =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAAAAABX3VL4AAAADklEQVR4nGP8z8DEwAAABQ0BA7hKXG8AAAAASUVORK5CYII=';

export function mimeModel(data: Record<string, unknown>): any {
  return { data, metadata: {}, trusted: false, setData: () => undefined };
}
