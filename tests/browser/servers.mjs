// Helpers for the browser tests: free ports, Jupyter servers with their own
// temporary config/data/runtime folders, readiness probes, chromium.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VENV = join(ROOT, '.venv');
export const ARTIFACTS = process.env.DK_BROWSER_ARTIFACTS ?? join(ROOT, 'build', 'browser');
export const CHROMIUM = process.env.DK_CHROMIUM ?? '/usr/bin/chromium';
// playwright-core is a devDependency of ext/ (one npm ci for both)
const require = createRequire(join(ROOT, 'ext', 'package.json'));
export const { chromium } = require('playwright-core');

export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** A temporary folder with Jupyter's config/data/runtime dirs and a root. */
export function jupyterState(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const env = {
    ...process.env,
    JUPYTER_CONFIG_DIR: join(dir, 'config'),
    JUPYTER_DATA_DIR: join(dir, 'data'),
    JUPYTER_RUNTIME_DIR: join(dir, 'runtime'),
    IPYTHONDIR: join(dir, 'ipython'),
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
    HOME: process.env.HOME ?? dir
  };
  for (const k of ['config', 'data', 'runtime', 'ipython', 'root']) {
    mkdirSync(join(dir, k), { recursive: true });
  }
  return { dir, root: join(dir, 'root'), env };
}

/**
 * Start a server (argv[0] is the program) and wait until
 * /api/kernelspecs answers 200 and lists `diffuse`.  Returns
 * {port, token, url(path), stop()}; stop() kills it by its PID.
 */
export async function startServer(kind, state, log) {
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  let argv;
  const env = { ...state.env };
  if (kind === 'lab') {
    env.PATH = join(VENV, 'bin') + ':' + env.PATH;
    argv = [join(VENV, 'bin', 'jupyter'), 'lab', '--no-browser', '--allow-root',
      '--ip=127.0.0.1', `--port=${port}`, '--ServerApp.port_retries=0',
      `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${state.root}`,
      '--LabApp.expose_app_in_browser=True',
      '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate'];
  } else {
    // Debian's classic notebook 6 with its own python; the venv's kernelspec
    // (and nothing else of the venv) through JUPYTER_PATH
    env.JUPYTER_PATH = [join(VENV, 'share', 'jupyter'), env.JUPYTER_PATH].filter(Boolean).join(':');
    env.PATH = env.PATH.split(':').filter(p => !p.startsWith(VENV)).join(':');
    argv = ['/usr/bin/python3', '/usr/bin/jupyter-notebook', '--no-browser', '--allow-root',
      '--ip=127.0.0.1', `--port=${port}`, '--NotebookApp.port_retries=0',
      `--NotebookApp.token=${token}`, `--notebook-dir=${state.root}`];
  }
  const out = openSync(log, 'a');
  const proc = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', out, out], cwd: state.root });
  let exited = null;
  proc.on('exit', code => (exited = code));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited !== null) {
      throw new Error(`${kind} server exited (${exited}) before it was ready; see ${log}`);
    }
    try {
      const r = await fetch(`${base}/api/kernelspecs?token=${token}`);
      if (r.status === 200) {
        const specs = await r.json();
        if (!specs.kernelspecs?.diffuse) {
          throw new Error(`kernelspec diffuse not visible to the ${kind} server: ${Object.keys(specs.kernelspecs ?? {})}`);
        }
        break;
      }
    } catch (e) {
      if (String(e.message).includes('kernelspec')) {
        proc.kill('SIGTERM');
        throw e;
      }
    }
    if (Date.now() > deadline) {
      proc.kill('SIGTERM');
      throw new Error(`${kind} server not ready after 90 s; see ${log}`);
    }
    await new Promise(r => setTimeout(r, 300));
  }
  return {
    port,
    token,
    url: path => `${base}${path}${path.includes('?') ? '&' : '?'}token=${token}`,
    async stop() {
      if (exited !== null) return;
      const done = new Promise(r => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(t);
    }
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage']
  });
}
