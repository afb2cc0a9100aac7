// How soon a change committed through one replica reaches a subscriber of
// another (bench/live.sh runs it; not in CI). Subscribes with the graphql-ws
// client of tests/clients to WS_URL from the end of LIV's feed, then N times
// syncs one contract through WRITE_URL and waits for its change to arrive.
// Prints p50 / p95 / max of the time from the sync's response to the change's
// arrival, and from the sync's start.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(new URL('../tests/clients/package.json', import.meta.url));
const { createClient } = require('graphql-ws');
const WebSocket = require('ws');

const { WRITE_URL, WS_URL, SYNC_TOKEN, VIEW_TOKEN } = process.env;
const N = Number(process.env.N || 50);

async function gql(token, query, variables) {
  const r = await fetch(`${WRITE_URL}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await r.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

// The end of LIV's feed now, so that the subscription starts there.
let after = null;
for (;;) {
  const d = await gql(VIEW_TOKEN, 'query($a: String) { changes(councilCode: "LIV", after: $a, first: 500) { endCursor hasMore } }', { a: after });
  after = d.changes.endCursor;
  if (!d.changes.hasMore) break;
}
const { measures } = await gql(VIEW_TOKEN, '{ measures { code } }');
const supplier = (await gql(VIEW_TOKEN, '{ suppliers(first: 1) { edges { node { ref } } } }')).suppliers.edges[0].node.ref;

const waiting = new Map();
const client = createClient({ url: WS_URL, webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${VIEW_TOKEN}` } });
client.subscribe(
  { query: 'subscription($a: String) { changes(councilCode: "LIV", after: $a) { externalId } }', variables: { a: after } },
  {
    next: (r) => {
      const id = r.data?.changes?.externalId;
      waiting.get(id)?.(performance.now());
    },
    error: (e) => {
      console.error(e);
      process.exit(1);
    },
    complete: () => {},
  },
);

const run = Date.now();
const fromResponse = [];
const fromStart = [];
for (let i = 0; i < N; i++) {
  const id = `LIVE-${run}-${i}`;
  const arrived = new Promise((resolve) => waiting.set(id, resolve));
  const start = performance.now();
  await gql(SYNC_TOKEN, 'mutation($i: SyncInput!) { syncCouncilData(input: $i) { applied } }', {
    i: {
      councilCode: 'LIV',
      contracts: [{ externalId: id, title: 'Live', supplierRef: supplier, valueGbp: '1000.00', startDate: '2024-04-01', endDate: '2026-03-31' }],
      commitments: [{ externalId: `${id}/1`, contractExternalId: id, measureCode: measures[0].code, financialYear: 2024, targetQuantity: '1' }],
    },
  });
  const answered = performance.now();
  const at = await arrived;
  fromResponse.push(at - answered);
  fromStart.push(at - start);
}
await client.dispose();

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(1);
  return `p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${s[s.length - 1].toFixed(1)} ms`;
};
console.log(`${N} changes: from the sync's response to the subscriber: ${stats(fromResponse)}; from the sync's start: ${stats(fromStart)}`);
