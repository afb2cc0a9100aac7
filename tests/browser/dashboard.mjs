// Uses the dashboard at / as a person would, in Debian's Chromium, with
// every host but the service unreachable and the page's own
// Content-Security-Policy in force: pastes a token, reads the figures
// shown, changes the financial year, downloads each table's CSV, checks that
// the charts drew, signs in again with a council's token for the
// commitments behind, saves a screenshot, and runs axe-core (WCAG 2.2 AA)
// in the page. Prints one JSON line with what it saw.
//
// usage: node dashboard.mjs BASE_URL DASHBOARD_TOKEN COUNCIL_TOKEN OUT_DIR
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const [base, dashboardToken, councilToken, out] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const result = { offHost: [], errors: [], downloads: {} };

async function newPage(context) {
  const page = await context.newPage();
  const origin = new URL(base).origin;
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
    result.offHost.push(url);
    return route.abort('internetdisconnected');
  });
  page.on('pageerror', (e) => result.errors.push(String(e)));
  // The page's first request, before a token is pasted, is refused: that is how it knows to ask.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('status of 401')) result.errors.push(m.text()); });
  return page;
}

// Waits for the figures after an action that reloads them.
async function loaded(page, action) {
  const before = await page.evaluate(() => document.body.dataset.loaded ?? '');
  await action();
  await page.waitForFunction((b) => { const v = document.body.dataset.loaded; return v && v !== b; }, before, { timeout: 20000 });
}

const totals = (page) => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#totals dd')].map((d) => [d.dataset.metric, { value: d.dataset.value, text: d.textContent }])));
const table = (page, id) => page.evaluate((id) => [...document.querySelectorAll(`#${id} tbody tr`)].map((tr) => [...tr.cells].map((c) => c.dataset.value ?? c.textContent)), id);
// Pixels a chart's canvas has drawn.
const inked = (page, id) => page.evaluate((id) => {
  const c = document.querySelector(`#${id} canvas`);
  if (!c || !c.width) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
}, id);

async function download(page, tableId) {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 20000 }), page.click(`a.csv[data-table="${tableId}"]`)]);
  const text = readFileSync(await file.path(), 'utf8');
  return { lines: text.trimEnd().split('\n'), name: file.suggestedFilename() };
}

try {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await newPage(context);
  const started = Date.now();
  await page.goto(`${base}/`, { waitUntil: 'load' });
  await page.waitForSelector('#token', { state: 'visible', timeout: 20000 });
  result.signInShown = true;
  result.signInMs = Date.now() - started;
  let submitted = 0;
  await loaded(page, async () => {
    await page.fill('#token', dashboardToken);
    submitted = await page.evaluate(() => Date.now());
    await page.click('#token-form button[type=submit]');
  });
  result.usableMs = Date.now() - started;
  // In the page's own clock: from the token's submission to the figures drawn.
  result.figuresMs = Number(await page.evaluate(() => document.body.dataset.loaded)) - submitted;
  result.who = await page.textContent('#who');
  result.totals = await totals(page);
  result.byCouncil = await table(page, 'by-council');
  result.byTheme = await table(page, 'by-theme');
  result.topSuppliers = await table(page, 'top-suppliers');
  result.trend = await table(page, 'trend');
  result.behindHidden = await page.isHidden('#behind-section');
  result.chartPixels = { trend: await inked(page, 'trend-chart'), council: await inked(page, 'council-chart') };
  for (const id of ['by-council', 'by-theme', 'top-suppliers', 'trend']) result.downloads[id] = await download(page, id);

  // The token is kept for the session: a reload needs no new paste.
  await loaded(page, () => page.reload({ waitUntil: 'load' }));
  result.signedInAfterReload = await page.isVisible('#main');

  // Another financial year: other figures.
  const years = await page.$$eval('#year option', (os) => os.map((o) => o.value).filter(Boolean));
  result.year = years[0];
  await loaded(page, () => page.selectOption('#year', result.year));
  result.totalsForYear = await totals(page);
  result.byCouncilForYear = await table(page, 'by-council');
  result.statusForYear = await page.textContent('#status');
  result.downloads['by-council-for-year'] = await download(page, 'by-council');
  await page.screenshot({ path: `${out}/dashboard.png`, fullPage: true });

  // A council's officer also sees the commitments behind schedule.
  await page.click('#sign-out');
  await loaded(page, async () => {
    await page.fill('#token', councilToken);
    await page.click('#token-form button[type=submit]');
  });
  result.behindShown = await page.isVisible('#behind-section');
  result.behind = await table(page, 'behind');
  result.behindCount = await page.textContent('#behind-count');
  result.downloads.behind = await download(page, 'behind');

  // Accessibility, in a page of its own: axe is injected as a script, which
  // the page's policy (rightly) refuses, so this context alone bypasses it.
  const axeContext = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const axePage = await newPage(axeContext);
  await axePage.goto(`${base}/#token=${encodeURIComponent(dashboardToken)}`, { waitUntil: 'load' });
  await axePage.waitForFunction(() => document.body.dataset.loaded, null, { timeout: 20000 });
  await axePage.addScriptTag({ path: axePath });
  const checks = async () => axePage.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  result.axe = await checks();
  // And the sign-in form, as a person first sees it.
  await axePage.click('#sign-out');
  result.axeSignIn = await checks();
} catch (e) {
  result.failure = String(e.stack || e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
