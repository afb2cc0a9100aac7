// Loads GraphiQL from the service in Debian's Chromium with every other
// host unreachable, pastes a token into the pre-filled Authorization
// header, re-fetches the schema and opens the documentation explorer.
// Prints one JSON line: what loaded, and every request to another host.
//
// usage: node graphiql.mjs BASE_URL TOKEN
import { chromium } from 'playwright-core';

const [base, token] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const result = { offHost: [], errors: [] };
try {
  const page = await browser.newPage();
  const origin = new URL(base).origin;
  // Offline: anything not from the service fails, and is noted.
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin)) return route.continue();
    result.offHost.push(url);
    return route.abort('internetdisconnected');
  });
  page.on('pageerror', (e) => result.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') result.errors.push(m.text()); });
  page.on('response', (r) => { if (r.request().method() === 'POST' && r.url().endsWith('/graphql')) (result.posts ??= []).push(r.status()); });

  await page.goto(`${base}/graphql`, { waitUntil: 'load' });
  await page.waitForSelector('.graphiql-container', { timeout: 20000 });
  result.rendered = true;
  result.headerTemplate = await page.evaluate(() => document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror')?.CodeMirror?.getValue() ?? null);
  // The header as a person would fill it in, then the schema again.
  await page.evaluate((t) => {
    const cm = document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').CodeMirror;
    cm.setValue(cm.getValue().replace('<paste a token here>', t));
  }, token);
  // GraphiQL takes the editor's text after a short debounce.
  await page.waitForTimeout(1000);
  await page.click('[aria-label="Re-fetch GraphQL schema"]');
  await page.click('[aria-label="Show Documentation Explorer"]');
  await page.waitForSelector('.graphiql-doc-explorer-root-type, .graphiql-doc-explorer-content a', { timeout: 20000 });
  result.docs = await page.evaluate(() => document.querySelector('.graphiql-doc-explorer')?.innerText ?? '');
} catch (e) {
  result.failure = String(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
