/**
 * Renderer for application/vnd.diffuse.progression+json (version 1): the
 * frames of a denoising run with a slider, play/pause, speed, the timestep
 * shown, keyboard control (arrows, Home/End, space) and crisp integer pixel
 * scaling (image-rendering: pixelated).
 */
import { finite, pngDataUri, text } from './safe';

export const PROGRESSION_MIME = 'application/vnd.diffuse.progression+json';

export interface IProgression {
  frames: string[]; // data: URIs
  timesteps: (number | null)[];
  width: number;
  height: number;
  title: string;
}

/** Validate a bundle's value; a string is the reason it was refused. */
export function parseProgression(data: unknown): IProgression | string {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return 'not a JSON object';
  }
  const d = data as Record<string, unknown>;
  if (d.version !== 1) {
    return `unknown version ${JSON.stringify(d.version ?? null)}`;
  }
  if (!Array.isArray(d.frames) || d.frames.length === 0) {
    return 'no frames';
  }
  const frames: string[] = [];
  for (const f of d.frames) {
    const uri = pngDataUri(f);
    if (!uri) {
      return `frame ${frames.length} is not a base64 PNG`;
    }
    frames.push(uri);
  }
  const ts = Array.isArray(d.timesteps) ? d.timesteps : [];
  const timesteps = frames.map((_, i) => finite(ts[i]));
  const width = finite(d.width);
  const height = finite(d.height);
  if (!width || !height || width < 1 || height < 1 || width > 4096 || height > 4096) {
    return 'bad width/height';
  }
  return { frames, timesteps, width, height, title: text(d.title) };
}

/** Integer upscaling so small images show about `target` px wide. */
export function pixelScale(width: number, height: number, target = 256): number {
  return Math.max(1, Math.floor(target / Math.max(width, height)));
}

export const SPEEDS = [0.25, 0.5, 1, 2, 4];
export const BASE_FPS = 8;

function el<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  cls: string,
  parent?: HTMLElement
): HTMLElementTagNameMap[K] {
  const e = doc.createElement(tag);
  e.className = cls;
  parent?.appendChild(e);
  return e;
}

/**
 * The scrubber's DOM and behaviour, without Lumino (tests drive it in
 * jsdom).  `update()` may be called again with new data (update_display_data):
 * the shown frame, speed and play state are kept.
 */
export class ProgressionView {
  readonly node: HTMLElement;
  readonly img: HTMLImageElement;
  readonly slider: HTMLInputElement;
  readonly playButton: HTMLButtonElement;
  readonly speedSelect: HTMLSelectElement;
  readonly label: HTMLElement;
  private titleNode: HTMLElement;
  private data: IProgression | null = null;
  private _index = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private speed = 1;

  constructor(readonly host: HTMLElement) {
    const doc = host.ownerDocument;
    this.node = el(doc, 'div', 'jp-DiffuseProgression', host);
    this.node.tabIndex = 0;
    this.node.setAttribute('role', 'group');
    this.node.setAttribute('aria-label', 'denoising progression');
    this.titleNode = el(doc, 'div', 'jp-DiffuseProgression-title', this.node);
    const stage = el(doc, 'div', 'jp-DiffuseProgression-stage', this.node);
    this.img = el(doc, 'img', 'jp-DiffuseProgression-frame', stage);
    this.img.alt = 'frame';
    this.img.draggable = false;
    const bar = el(doc, 'div', 'jp-DiffuseProgression-controls', this.node);
    this.playButton = el(doc, 'button', 'jp-DiffuseProgression-play jp-mod-styled', bar);
    this.playButton.type = 'button';
    this.slider = el(doc, 'input', 'jp-DiffuseProgression-slider', bar);
    this.slider.type = 'range';
    this.slider.min = '0';
    this.slider.step = '1';
    this.slider.setAttribute('aria-label', 'frame');
    this.label = el(doc, 'span', 'jp-DiffuseProgression-label', bar);
    this.speedSelect = el(doc, 'select', 'jp-DiffuseProgression-speed', bar);
    this.speedSelect.setAttribute('aria-label', 'speed');
    for (const s of SPEEDS) {
      const o = doc.createElement('option');
      o.value = String(s);
      o.textContent = `${s}×`;
      this.speedSelect.appendChild(o);
    }
    this.speedSelect.value = '1';

    this.slider.addEventListener('input', () => {
      this.pause();
      this.show(Number(this.slider.value));
    });
    this.playButton.addEventListener('click', () => this.toggle());
    this.speedSelect.addEventListener('change', () => {
      this.speed = Number(this.speedSelect.value) || 1;
      if (this.playing) {
        this.startTimer();
      }
    });
    this.node.addEventListener('keydown', e => this.onKey(e));
    this.renderPlayButton();
  }

  get index(): number {
    return this._index;
  }

  get frameCount(): number {
    return this.data ? this.data.frames.length : 0;
  }

  get playing(): boolean {
    return this.timer !== null;
  }

  update(data: IProgression): void {
    this.data = data;
    const scale = pixelScale(data.width, data.height);
    this.img.width = data.width * scale;
    this.img.height = data.height * scale;
    // the scaled size, shrinking with a narrower output area (CSS max-width;
    // height follows the width attribute's aspect)
    this.img.style.width = `${data.width * scale}px`;
    this.img.style.height = 'auto';
    this.img.dataset.scale = String(scale);
    this.titleNode.textContent = data.title;
    this.titleNode.style.display = data.title ? '' : 'none';
    this.slider.max = String(data.frames.length - 1);
    this.slider.disabled = data.frames.length < 2;
    this.playButton.disabled = data.frames.length < 2;
    this.show(Math.min(this._index, data.frames.length - 1));
  }

  show(i: number): void {
    if (!this.data) {
      return;
    }
    const n = this.data.frames.length;
    i = Math.max(0, Math.min(n - 1, Math.round(Number.isFinite(i) ? i : 0)));
    this._index = i;
    if (this.img.getAttribute('src') !== this.data.frames[i]) {
      this.img.src = this.data.frames[i];
    }
    this.slider.value = String(i);
    const t = this.data.timesteps[i];
    this.label.textContent = `t = ${t === null ? '?' : t}   (${i + 1}/${n})`;
    this.node.dataset.frame = String(i);
    this.node.dataset.timestep = t === null ? '' : String(t);
  }

  step(delta: number): void {
    this.show(this._index + delta);
  }

  play(): void {
    if (!this.data || this.data.frames.length < 2) {
      return;
    }
    if (this._index >= this.data.frames.length - 1) {
      this.show(0);
    }
    this.startTimer();
    this.renderPlayButton();
  }

  pause(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
    this.renderPlayButton();
  }

  toggle(): void {
    if (this.playing) {
      this.pause();
    } else {
      this.play();
    }
  }

  /** One timer tick: next frame, stopping at the last. */
  tick(): void {
    if (!this.data) {
      return;
    }
    if (this._index >= this.data.frames.length - 1) {
      this.pause();
      return;
    }
    this.step(1);
    if (this._index >= this.data.frames.length - 1) {
      this.pause();
    }
  }

  dispose(): void {
    this.pause();
    this.node.remove();
  }

  private startTimer(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
    }
    this.timer = setInterval(() => this.tick(), 1000 / (BASE_FPS * this.speed));
  }

  private renderPlayButton(): void {
    const p = this.playing;
    this.playButton.textContent = p ? '❚❚' : '▶';
    this.playButton.title = p ? 'Pause (space)' : 'Play (space)';
    this.playButton.setAttribute('aria-label', p ? 'pause' : 'play');
    this.node.classList.toggle('jp-mod-playing', p);
  }

  private onKey(e: KeyboardEvent): void {
    if (e.target === this.speedSelect) {
      return;
    }
    const n = this.frameCount;
    let handled = true;
    switch (e.key) {
      case 'ArrowRight':
      case 'ArrowUp':
        this.pause();
        this.step(e.shiftKey ? 10 : 1);
        break;
      case 'ArrowLeft':
      case 'ArrowDown':
        this.pause();
        this.step(e.shiftKey ? -10 : -1);
        break;
      case 'Home':
        this.pause();
        this.show(0);
        break;
      case 'End':
        this.pause();
        this.show(n - 1);
        break;
      case ' ':
      case 'Spacebar':
        this.toggle();
        break;
      default:
        handled = false;
    }
    if (handled) {
      // keep JupyterLab's notebook shortcuts (arrows move cells) out of it
      e.preventDefault();
      e.stopPropagation();
    }
  }
}
