/**
 * The mime extension (package.json jupyterlab.mimeExtension): renderers for
 * the kernel's custom MIME types (kernel/render/MIME.md).
 *
 * safe: true — they only decode base64 PNGs and numbers and set text with
 * textContent, so they may render untrusted notebooks.  Rank 10: below the
 * built-in HTML (50), SVG (80) and image (90) renderers, so these win when
 * the extension is installed and the fallbacks show everywhere else.
 */
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { LOSSCURVE_MIME } from './losscurve';
import { PROGRESSION_MIME } from './progression';
import { LossCurveRenderer, ProgressionRenderer } from './renderers';

export const RANK = 10;

export const progressionRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [PROGRESSION_MIME],
  defaultRank: RANK,
  createRenderer: options => new ProgressionRenderer(options.mimeType)
};

export const lossCurveRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [LOSSCURVE_MIME],
  defaultRank: RANK,
  createRenderer: options => new LossCurveRenderer(options.mimeType)
};

const extensions: IRenderMime.IExtension[] = [
  {
    id: 'diffuse-jupyterlab:progression',
    description: 'Frame scrubber for diffuse denoising progressions',
    rendererFactory: progressionRendererFactory,
    rank: RANK,
    dataType: 'json'
  },
  {
    id: 'diffuse-jupyterlab:losscurve',
    description: 'Interactive loss curves for diffuse training runs',
    rendererFactory: lossCurveRendererFactory,
    rank: RANK,
    dataType: 'json'
  }
];

export default extensions;
