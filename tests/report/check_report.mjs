// Loads the pages of a headless report in Debian's chromium (headless,
// playwright-core from ext/node_modules, no network) and prints, as JSON,
// what a reader would see:
//   math:     per page, MathJax's rendered formulas, its errors, and any
//             `$...$` text left unrendered in the markdown
//   overflow: per page, the grids and images wider than the page, and
//             whether the page scrolls sideways
//   shots:    full-page screenshots written under ARTIFACTS
// usage: node check_report.mjs REPORT_DIR ARTIFACTS [WIDTH]
import { mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchBrowser } from '../browser/servers.mjs';

const [dir, artifacts, widthArg] = process.argv.slice(2);
const width = Number(widthArg ?? 800);
mkdirSync(artifacts, { recursive: true });
const pages = readdirSync(dir).filter(f => f.endsWith('.html')).sort();

const browser = await launchBrowser();
const result = { width, pages: {} };
try {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  // Nothing may come from the network: every request but file:// fails.
  await context.route(/^(?!file:)/, route => route.abort());
  for (const name of pages) {
    const page = await context.newPage();
    const failed = [];
    page.on('requestfailed', r => failed.push(r.url()));
    await page.goto(pathToFileURL(resolve(join(dir, name))).href, { waitUntil: 'load' });
    const hasMathJax = await page.evaluate(() => !!(window.MathJax && window.MathJax.Hub));
    if (hasMathJax) {
      // MathJax 2: a callback queued after the initial typeset runs when it is done.
      await page.evaluate(() => new Promise(done => window.MathJax.Hub.Queue(done)));
    }
    const info = await page.evaluate(() => {
      const rawMath = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!el || el.closest('script, style, code, pre, .highlight, .MathJax_CHTML, .MathJax_Preview')) continue;
        const m = n.textContent.match(/\$[^$\s][^$]*\$/g);
        if (m) rawMath.push(...m);
      }
      const view = document.documentElement.clientWidth;
      const wide = [];
      for (const el of document.querySelectorAll('.dk-grid, img, svg, .jp-OutputArea-output')) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.right > view + 1) {
          wide.push({ tag: el.tagName.toLowerCase(), cls: String(el.className?.baseVal ?? el.className), right: Math.round(r.right) });
        }
      }
      return {
        rendered: document.querySelectorAll('.MathJax_CHTML').length,
        errors: document.querySelectorAll('.mjx-merror, .MathJax_Error').length,
        rawMath,
        grids: document.querySelectorAll('.dk-grid').length,
        wide,
        scrollsSideways: document.documentElement.scrollWidth > view + 1,
        viewWidth: view
      };
    });
    const shot = join(artifacts, name.replace(/\.html$/, '.png'));
    await page.screenshot({ path: shot, fullPage: true });
    result.pages[name] = { ...info, mathjax: hasMathJax, failedRequests: failed, screenshot: shot };
    await page.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
