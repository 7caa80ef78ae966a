/**
 * The regular plugin (package.json jupyterlab.extension): registers the
 * `diffuse` language with JupyterLab's editor language registry, so notebook
 * cells of the diffuse kernel (language_info.codemirror_mode "diffuse") and
 * .diffuse files are highlighted.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import {
  diffuseSupport,
  LANGUAGE_EXTENSION,
  LANGUAGE_MIME,
  LANGUAGE_NAME
} from './language';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'diffuse-jupyterlab:language',
  description: 'Syntax highlighting for the diffuse kernel language',
  autoStart: true,
  requires: [IEditorLanguageRegistry],
  activate: (app: JupyterFrontEnd, languages: IEditorLanguageRegistry) => {
    if (!languages.findByName(LANGUAGE_NAME)) {
      languages.addLanguage({
        name: LANGUAGE_NAME,
        displayName: 'diffuse',
        mime: LANGUAGE_MIME,
        extensions: [LANGUAGE_EXTENSION],
        support: diffuseSupport()
      });
    }
    app.docRegistry.addFileType({
      name: LANGUAGE_NAME,
      displayName: 'diffuse',
      extensions: ['.' + LANGUAGE_EXTENSION],
      mimeTypes: [LANGUAGE_MIME],
      fileFormat: 'text',
      contentType: 'file'
    });
  }
};

export default plugin;
