/**
 * Lumino widgets (IRenderMime.IRenderer) around the DOM views.  JupyterLab
 * calls renderModel() again on the same widget when update_display_data
 * replaces the output's data, so the views redraw in place.
 */
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { LossCurveView, LOSSCURVE_MIME, parseLossCurve } from './losscurve';
import { parseProgression, ProgressionView, PROGRESSION_MIME } from './progression';
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

export class ProgressionRenderer extends Widget implements IRenderMime.IRenderer {
  private view: ProgressionView | null = null;

  constructor(readonly mimeType: string = PROGRESSION_MIME) {
    super();
    this.addClass('jp-DiffuseProgressionRenderer');
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const parsed = parseProgression(model.data[this.mimeType]);
    if (typeof parsed === 'string') {
      this.view?.dispose();
      this.view = null;
      showFallback(this.node, model, parsed);
      return Promise.resolve();
    }
    if (!this.view) {
      this.node.textContent = '';
      this.view = new ProgressionView(this.node);
    }
    this.view.update(parsed);
    return Promise.resolve();
  }

  get progression(): ProgressionView | null {
    return this.view;
  }

  protected onBeforeDetach(): void {
    this.view?.pause();
  }

  dispose(): void {
    this.view?.dispose();
    this.view = null;
    super.dispose();
  }
}

export class LossCurveRenderer extends Widget implements IRenderMime.IRenderer {
  private view: LossCurveView | null = null;

  constructor(readonly mimeType: string = LOSSCURVE_MIME) {
    super();
    this.addClass('jp-DiffuseLossRenderer');
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const parsed = parseLossCurve(model.data[this.mimeType]);
    if (typeof parsed === 'string') {
      this.view?.dispose();
      this.view = null;
      showFallback(this.node, model, parsed);
      return Promise.resolve();
    }
    if (!this.view) {
      this.node.textContent = '';
      this.view = new LossCurveView(this.node);
    }
    this.view.update(parsed);
    return Promise.resolve();
  }

  get lossCurve(): LossCurveView | null {
    return this.view;
  }

  dispose(): void {
    this.view?.dispose();
    this.view = null;
    super.dispose();
  }
}
