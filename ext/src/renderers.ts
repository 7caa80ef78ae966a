/**
 * Lumino widgets (IRenderMime.IRenderer) around the DOM views.  JupyterLab
 * calls renderModel() again on the same widget when update_display_data
 * replaces the output's data, so the views redraw in place.
 */
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { ILossCurve, LossCurveView, LOSSCURVE_MIME, parseLossCurve } from './losscurve';
import { IProgression, parseProgression, ProgressionView, PROGRESSION_MIME } from './progression';
import { pngDataUri } from './safe';

/** Shown instead when a bundle's value is refused (unknown version, bad
 * data): the bundle's own PNG fallback, if it has a valid one, and why. */
function showFallback(node: HTMLElement, model: IRenderMime.IMimeModel, why: string): void {
  node.textContent = '';
  const doc = node.ownerDocument;
  const uri = pngDataUri(model.data['image/png']);
  if (uri) {
    const img = doc.createElement('img');
    img.src = uri;
    img.className = 'jp-Diffuse-fallbackImage';
    node.appendChild(img);
  }
  const msg = doc.createElement('div');
  msg.className = 'jp-Diffuse-refused';
  msg.textContent = `diffuse extension: cannot show this output (${why})`;
  node.appendChild(msg);
}

/** What both views offer their widget. */
interface IView<T> {
  update(data: T): void;
  dispose(): void;
}

/** A widget that parses its MIME data and keeps one view, redrawn in place
 * on every renderModel(); refused data shows the PNG fallback instead. */
abstract class ViewRenderer<T, V extends IView<T>> extends Widget implements IRenderMime.IRenderer {
  protected view: V | null = null;

  constructor(readonly mimeType: string, className: string) {
    super();
    this.addClass(className);
  }

  protected abstract parse(data: unknown): T | string;
  protected abstract createView(node: HTMLElement): V;

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const parsed = this.parse(model.data[this.mimeType]);
    if (typeof parsed === 'string') {
      this.view?.dispose();
      this.view = null;
      showFallback(this.node, model, parsed);
      return Promise.resolve();
    }
    if (!this.view) {
      this.node.textContent = '';
      this.view = this.createView(this.node);
    }
    this.view.update(parsed);
    return Promise.resolve();
  }

  dispose(): void {
    this.view?.dispose();
    this.view = null;
    super.dispose();
  }
}

export class ProgressionRenderer extends ViewRenderer<IProgression, ProgressionView> {
  constructor(mimeType: string = PROGRESSION_MIME) {
    super(mimeType, 'jp-DiffuseProgressionRenderer');
  }

  protected parse(data: unknown): IProgression | string {
    return parseProgression(data);
  }

  protected createView(node: HTMLElement): ProgressionView {
    return new ProgressionView(node);
  }

  get progression(): ProgressionView | null {
    return this.view;
  }

  protected onBeforeDetach(): void {
    this.view?.pause();
  }
}

export class LossCurveRenderer extends ViewRenderer<ILossCurve, LossCurveView> {
  constructor(mimeType: string = LOSSCURVE_MIME) {
    super(mimeType, 'jp-DiffuseLossRenderer');
  }

  protected parse(data: unknown): ILossCurve | string {
    return parseLossCurve(data);
  }

  protected createView(node: HTMLElement): LossCurveView {
    return new LossCurveView(node);
  }

  get lossCurve(): LossCurveView | null {
    return this.view;
  }
}
