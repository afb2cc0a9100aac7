// The regional dashboard: the public GraphQL API and the CSV exports, with
// the token a person pastes (kept in sessionStorage, so for this browser
// session only). Money arrives as exact decimal strings and is formatted
// from them with integer arithmetic; only the charts plot floats.
'use strict';

const TOKEN_KEY = 'svh-token';
const METRICS = 'committedValue deliveredValue verifiedValue deliveryRate shortfallValue behindCount';
const $ = (id) => document.getElementById(id);
let token = null;
let role = null;
const charts = {};
const trendRows = [];
// Each load of the figures; a slower, older one must not overwrite a newer one.
let generation = 0;
class Stale extends Error {}
const current = (gen) => {
  if (gen !== generation) throw new Stale();
};

function takeTokenFromUrl() {
  // The demo prints a URL with the token in its fragment, which never reaches a server.
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  token = sessionStorage.getItem(TOKEN_KEY);
}

class Unauthenticated extends Error {}

async function gql(query, variables) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const resp = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await resp.json();
  if (resp.status === 401) throw new Unauthenticated(body.errors?.[0]?.message ?? 'sign in');
  if (body.errors?.length) throw new Error(body.errors[0].message);
  return body.data;
}

// £ to the penny, rounded half up, from the API's exact decimal string.
function money(s) {
  if (s === null || s === undefined) return '–';
  const negative = s.startsWith('-');
  const [whole, fraction = ''] = (negative ? s.slice(1) : s).split('.');
  const digits = (fraction + '000').slice(0, 3);
  let pence = BigInt(whole) * 100n + BigInt(digits.slice(0, 2));
  if (Number(digits[2]) >= 5) pence += 1n;
  const pounds = (pence / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '−' : ''}£${pounds}.${(pence % 100n).toString().padStart(2, '0')}`;
}

function quantity(s) {
  return s === null || s === undefined ? '–' : s.replace(/\B(?=(\d{3})+(?!\d))/g, ',').replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

function rate(r) {
  return r === null || r === undefined ? '–' : `${(r * 100).toFixed(1)}%`;
}

function filters() {
  const f = {};
  if ($('year').value) f.financialYears = [Number($('year').value)];
  if ($('council').value) f.councilCodes = [$('council').value];
  if ($('theme').value) f.themeCodes = [$('theme').value];
  return f;
}

function query(f, extra) {
  const p = new URLSearchParams();
  if (f.financialYears) p.set('financialYears', f.financialYears.join(','));
  if (f.councilCodes) p.set('councilCodes', f.councilCodes.join(','));
  if (f.themeCodes) p.set('themeCodes', f.themeCodes.join(','));
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}

function cell(tr, text, value, numeric) {
  const td = document.createElement('td');
  td.textContent = text;
  if (value !== undefined && value !== null) td.dataset.value = String(value);
  if (numeric) td.className = 'num';
  tr.appendChild(td);
}

function fill(tableId, rows, render) {
  const body = $(tableId).querySelector('tbody');
  body.replaceChildren();
  for (const row of rows) {
    const tr = document.createElement('tr');
    render(tr, row);
    body.appendChild(tr);
  }
}

function metricCells(tr, m) {
  cell(tr, money(m.committedValue), m.committedValue, true);
  cell(tr, money(m.deliveredValue), m.deliveredValue, true);
  cell(tr, money(m.verifiedValue), m.verifiedValue, true);
  cell(tr, rate(m.deliveryRate), m.deliveryRate, true);
  cell(tr, money(m.shortfallValue), m.shortfallValue, true);
  cell(tr, String(m.behindCount), m.behindCount, true);
}

function chart(id, labels, series) {
  const el = $(id);
  charts[id]?.destroy();
  el.replaceChildren();
  if (!labels.length || !window.uPlot) return;
  // Grouped bars: each series a bar of its own beside the others.
  const bars = (i) => uPlot.paths.bars({ size: [0.35, 48], align: i === 0 ? -1 : 1 });
  const opts = {
    width: Math.max(el.clientWidth, 320),
    height: 256,
    legend: { show: true },
    scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] }, y: { range: (_u, _min, max) => [0, max * 1.1 || 1] } },
    axes: [
      { values: (_u, ticks) => ticks.map((t) => labels[t] ?? ''), space: 60 },
      { values: (_u, ticks) => ticks.map((t) => `£${(t / 1e6).toFixed(1)}m`), size: 70 },
    ],
    series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: s.colour, fill: s.colour, width: 1, paths: bars(i), points: { show: false } }))],
  };
  charts[id] = new uPlot(opts, [labels.map((_, i) => i), ...series.map((s) => s.values)], el);
}

async function loadTotals(f, gen) {
  const d = await gql(`query($f: RollupFilter) { rollup(filter: $f) { totals { ${METRICS} } } }`, { f });
  current(gen);
  const t = d.rollup.totals;
  for (const dd of $('totals').querySelectorAll('dd')) {
    const k = dd.dataset.metric;
    dd.dataset.value = String(t[k]);
    dd.textContent = k === 'deliveryRate' ? rate(t[k]) : k === 'behindCount' ? String(t[k]) : money(t[k]);
  }
}

async function loadCouncils(f, gen) {
  const d = await gql(`query($f: RollupFilter) { rollup(filter: $f, groupBy: [COUNCIL]) { groups { key { council { code name } } metrics { ${METRICS} } } } }`, { f });
  current(gen);
  const groups = d.rollup.groups;
  fill('by-council', groups, (tr, g) => {
    cell(tr, g.key.council.name, g.key.council.code);
    metricCells(tr, g.metrics);
  });
  chart('council-chart', groups.map((g) => g.key.council.code), [
    { label: 'Committed', colour: '#1d70b8', values: groups.map((g) => Number(g.metrics.committedValue)) },
    { label: 'Delivered', colour: '#00703c', values: groups.map((g) => Number(g.metrics.deliveredValue)) },
  ]);
}

async function loadThemes(f, gen) {
  const d = await gql(`query($f: RollupFilter) { rollup(filter: $f, groupBy: [THEME]) { groups { key { theme { code name } } metrics { ${METRICS} } } } }`, { f });
  current(gen);
  fill('by-theme', d.rollup.groups, (tr, g) => {
    cell(tr, g.key.theme ? g.key.theme.name : 'Not yet on the regional basis (unmapped measures)', g.key.theme?.code ?? '');
    metricCells(tr, g.metrics);
  });
}

async function loadSuppliers(f, gen) {
  const d = await gql(
    `query($f: RollupFilter) { rollup(filter: $f, groupBy: [SUPPLIER], orderBy: [{metric: DELIVERED_VALUE}], first: 10) {
       groups { key { supplier { ref name } } metrics { deliveredValue verifiedValue committedValue } } } }`,
    { f },
  );
  current(gen);
  fill('top-suppliers', d.rollup.groups, (tr, g) => {
    cell(tr, g.key.supplier.name, g.key.supplier.ref);
    cell(tr, money(g.metrics.deliveredValue), g.metrics.deliveredValue, true);
    cell(tr, money(g.metrics.verifiedValue), g.metrics.verifiedValue, true);
    cell(tr, money(g.metrics.committedValue), g.metrics.committedValue, true);
  });
}

async function loadTrend(f, gen) {
  const d = await gql('query($f: RollupFilter) { deliveryTrend(filter: $f) { financialYear quarter deliveredValue verifiedValue evidenceCount } }', { f });
  current(gen);
  const points = d.deliveryTrend;
  trendRows.length = 0;
  trendRows.push(...points);
  fill('trend', points, (tr, p) => {
    cell(tr, String(p.financialYear), p.financialYear);
    cell(tr, `Q${p.quarter}`, p.quarter);
    cell(tr, money(p.deliveredValue), p.deliveredValue, true);
    cell(tr, money(p.verifiedValue), p.verifiedValue, true);
    cell(tr, String(p.evidenceCount), p.evidenceCount, true);
  });
  chart('trend-chart', points.map((p) => `${p.financialYear} Q${p.quarter}`), [
    { label: 'Delivered', colour: '#00703c', values: points.map((p) => Number(p.deliveredValue)) },
    { label: 'Verified', colour: '#4c2c92', values: points.map((p) => Number(p.verifiedValue)) },
  ]);
}

async function loadBehind(f, gen) {
  const filter = { ...f, deliveryStatuses: ['BEHIND', 'NOT_STARTED'] };
  const d = await gql(
    `query($f: CommitmentFilter) { commitments(first: 20, filter: $f) { totalCount nodes { externalId council { code } financialYear targetQuantity
       deliveredQuantity deliveryStatus shortfallValue contract { title supplier { name } } } } }`,
    { f: filter },
  );
  current(gen);
  const c = d.commitments;
  $('behind-count').textContent = `${c.totalCount} commitments are behind or not started; the first ${c.nodes.length} are listed.`;
  fill('behind', c.nodes, (tr, k) => {
    cell(tr, k.council.code);
    cell(tr, k.externalId, k.externalId);
    cell(tr, k.contract.title);
    cell(tr, k.contract.supplier.name);
    cell(tr, String(k.financialYear));
    cell(tr, quantity(k.targetQuantity), k.targetQuantity, true);
    cell(tr, quantity(k.deliveredQuantity), k.deliveredQuantity, true);
    cell(tr, k.deliveryStatus === 'NOT_STARTED' ? 'Not started' : 'Behind', k.deliveryStatus);
    cell(tr, money(k.shortfallValue), k.shortfallValue, true);
  });
}

async function load() {
  const f = filters();
  const gen = ++generation;
  $('status').textContent = 'Loading…';
  const panels = [loadTotals(f, gen), loadCouncils(f, gen), loadThemes(f, gen), loadSuppliers(f, gen), loadTrend(f, gen)];
  if (role !== 'dashboard') panels.push(loadBehind(f, gen));
  const results = await Promise.allSettled(panels);
  if (gen !== generation) return;
  const failed = results.find((r) => r.status === 'rejected');
  if (failed && failed.reason instanceof Unauthenticated) return signIn(failed.reason.message);
  $('status').textContent = failed ? `Some figures could not be loaded: ${failed.reason.message}` : 'Figures up to date.';
  document.body.dataset.loaded = String(Date.now());
}

function csvOf(rows) {
  const q = (v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return rows.map((r) => r.map((v) => q(String(v ?? ''))).join(',')).join('\n') + '\n';
}

async function download(link) {
  const f = filters();
  let blob;
  if (link.dataset.table === 'trend') {
    const rows = [['financial_year', 'quarter', 'delivered_value', 'verified_value', 'evidence_count']];
    for (const p of trendRows) rows.push([p.financialYear, p.quarter, p.deliveredValue, p.verifiedValue, p.evidenceCount]);
    blob = new Blob([csvOf(rows)], { type: 'text/csv' });
  } else {
    const path = {
      'by-council': `/export/rollup.csv?${query(f, { groupBy: 'COUNCIL' })}`,
      'by-theme': `/export/rollup.csv?${query(f, { groupBy: 'THEME' })}`,
      'top-suppliers': `/export/rollup.csv?${query(f, { groupBy: 'SUPPLIER', orderBy: 'DELIVERED_VALUE', first: '10' })}`,
      behind: `/export/commitments.csv?${query(f, { deliveryStatuses: 'BEHIND,NOT_STARTED' })}`,
    }[link.dataset.table];
    const resp = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (!resp.ok) {
      $('status').textContent = `The download failed (HTTP ${resp.status}).`;
      return;
    }
    blob = await resp.blob();
  }
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = link.getAttribute('download');
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

function signIn(message) {
  $('main').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message && token ? `That token was not accepted: ${message}` : '';
  $('token').focus();
}

function option(select, value, text) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  select.appendChild(o);
}

async function start() {
  let d;
  try {
    d = await gql(`{ viewer { subject role councils } councils { code name } themes { code name }
                     years: rollup(groupBy: [FINANCIAL_YEAR]) { groups { key { financialYear } } } }`);
  } catch (e) {
    if (e instanceof Unauthenticated) return signIn(e.message);
    $('status').textContent = `The service could not be reached: ${e.message}`;
    return;
  }
  role = d.viewer.role;
  $('who').textContent = `Signed in as ${d.viewer.subject} (${role.replace(/_/g, ' ')}${d.viewer.councils.length ? `, ${d.viewer.councils.join(', ')}` : ''}).`;
  for (const s of ['year', 'council', 'theme']) $(s).length = 1;
  for (const g of d.years.rollup?.groups ?? d.years.groups) option($('year'), g.key.financialYear, `${g.key.financialYear}/${String(g.key.financialYear + 1).slice(2)}`);
  for (const c of d.councils) option($('council'), c.code, c.name);
  for (const t of d.themes) option($('theme'), t.code, t.name);
  $('behind-section').hidden = role === 'dashboard';
  $('sign-in').hidden = true;
  $('main').hidden = false;
  await load();
}

document.addEventListener('DOMContentLoaded', () => {
  takeTokenFromUrl();
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    token = $('token').value.trim();
    sessionStorage.setItem(TOKEN_KEY, token);
    $('token').value = '';
    start();
  });
  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    token = null;
    signIn('');
  });
  $('filters').addEventListener('change', load);
  for (const a of document.querySelectorAll('a.csv')) {
    a.addEventListener('click', (e) => {
      e.preventDefault();
      download(a);
    });
  }
  window.addEventListener('resize', () => {
    for (const [id, c] of Object.entries(charts)) c.setSize({ width: Math.max($(id).clientWidth, 320), height: 256 });
  });
  start();
});
