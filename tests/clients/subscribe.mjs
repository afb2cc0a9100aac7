// The `changes` subscription as the graphql-ws npm client (createClient, with
// `ws` as the WebSocket) speaks it over graphql-transport-ws to
// ws://HOST:PORT/graphql/ws, the token in connection_init as
// {Authorization: "Bearer <token>"}. Spawned by the Rust tests in tests/api,
// which read the one JSON document it prints on stdout; progress goes to
// stderr. Modes:
//
//   node subscribe.mjs mirror URL1,URL2,... TOKEN COUNCIL SWITCH_EVERY
//     A mirror: subscribes on URL1 with after=null and keeps every change.
//     After SWITCH_EVERY changes on one connection (0: never) it disposes the
//     client (a real disconnect) and subscribes again on the next URL, round
//     robin, with after = the cursor of the last change it kept; it does the
//     same when the socket closes or the subscription ends without being
//     asked to. Reads stdin: a line `END <cursor>` makes it stop once it holds
//     the change with that cursor (at once if it already does); end of stdin
//     with no END pending stops it too. Prints
//     {"changes": [...], "connections": [{"url", "after", "received"}...],
//      "stopped": "end"|"eof"}.
//     Exits 1 if the service refuses the subscription with GraphQL errors.
//
//   node subscribe.mjs limit URL TOKEN COUNCIL N
//     N subscriptions at once on one client (one socket), after=null; waits
//     up to 5 s (LIMIT_WAIT_MS) or until each has had an error or a change.
//     Prints {"errors": [{"index", "messages", "codes"}], "active": k,
//     "completed": k, "closed": null|{"code", "reason"}}. Exits 1 if the
//     connection was never acknowledged.
//
//   node subscribe.mjs refused URL TOKEN_OR_EMPTY COUNCIL
//     Connects (no connectionParams when the token is empty), lazy, with no
//     retries, and subscribes; after the first close or error, or 5 s
//     (REFUSED_WAIT_MS), prints {"closeCode", "reason", "errors": [{"message",
//     "code"}], "received": n, "acknowledged": bool}.
//
// Never runs past CLIENT_TIMEOUT_MS (default 120 s): then it prints what it
// has with "timedOut": true and exits 2.
import { createInterface } from 'node:readline';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { armTimeout, fail, failOnUncaught, finish, usage } from './common.mjs';

const QUERY =
  'subscription($c: String!, $after: String) { changes(councilCode: $c, after: $after) { cursor entity externalId operation version data } }';

const log = (line) => process.stderr.write(`${line}\n`);

function newClient(url, token, on) {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: token ? { Authorization: `Bearer ${token}` } : undefined,
    lazy: true,
    // The scripts do their own reconnecting (mirror) or none at all.
    retryAttempts: 0,
    on,
  });
}

// What graphql-ws hands sink.error: the `error` message's payload (an array of
// GraphQL errors), a close event, or an Error.
function describeError(err) {
  if (Array.isArray(err)) {
    return {
      messages: err.map((e) => e?.message ?? String(e)),
      codes: err.map((e) => e?.extensions?.code ?? null).filter((c) => c != null),
    };
  }
  if (err && typeof err === 'object' && 'code' in err && 'reason' in err) {
    return { messages: [`closed ${err.code}: ${err.reason}`], codes: [], closeCode: err.code };
  }
  return { messages: [err?.message ?? String(err)], codes: [] };
}

// Close codes after which the mirror gives up instead of reconnecting: those
// graphql-ws itself never retries (1002-1011 bar 1005/1006, 1015-1999, 4004,
// 4005, 4400, 4401, 4406, 4409, 4429, 4500) and 4403 Forbidden, which it
// would retry but a mirror with the same token cannot fix.
function fatalClose(code) {
  if (typeof code !== 'number') return false;
  if ([1000, 1001, 1005, 1006, 1012, 1013, 1014].includes(code)) return false;
  if (code >= 1000 && code <= 1999) return true;
  return [4004, 4005, 4400, 4401, 4403, 4406, 4409, 4429, 4500].includes(code);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'mirror') mirror(args);
else if (mode === 'limit') limit(args);
else if (mode === 'refused') refused(args);
else usage('node subscribe.mjs mirror URLS TOKEN COUNCIL SWITCH_EVERY | limit URL TOKEN COUNCIL N | refused URL TOKEN_OR_EMPTY COUNCIL');

function mirror([urlList, token, council, switchEveryArg]) {
  if (!urlList || !token || !council || switchEveryArg === undefined) {
    usage('node subscribe.mjs mirror URL1,URL2,... TOKEN COUNCIL SWITCH_EVERY');
  }
  const urls = urlList.split(',').filter(Boolean);
  const switchEvery = Number(switchEveryArg);
  const changes = [];
  const seen = new Set();
  const connections = [];
  const streamErrors = [];
  let endCursor = null;
  let stopped = false;
  let next = 0;
  let current = null;
  let idleEnds = 0;
  const result = () => {
    const doc = {
      changes,
      connections: connections.map(({ url, after, received, closed }) =>
        closed ? { url, after, received, closed } : { url, after, received },
      ),
    };
    if (streamErrors.length) doc.streamErrors = streamErrors;
    return doc;
  };
  armTimeout(result);
  failOnUncaught(result);

  // Ends one connection: unsubscribes, disposes the client and, if its socket
  // had opened, waits (at most 2 s) for it to close, so that the next one is
  // a new connection.
  async function end(state) {
    state.ending = true;
    try {
      state.unsubscribe?.();
    } catch {}
    state.client.dispose().catch(() => {});
    if (state.opened) await Promise.race([state.closed, new Promise((r) => setTimeout(r, 2000))]);
  }

  async function stop(why) {
    if (stopped) return;
    stopped = true;
    log(`stopping (${why}) with ${changes.length} changes over ${connections.length} connections`);
    if (current) await end(current);
    finish({ ...result(), stopped: why });
  }

  function connect() {
    if (stopped) return;
    const url = urls[next % urls.length];
    next += 1;
    const after = changes.length ? changes[changes.length - 1].cursor : null;
    const conn = { url, after, received: 0 };
    connections.push(conn);
    const state = { conn, ending: false, opened: false };
    let closedResolve;
    state.closed = new Promise((r) => (closedResolve = r));
    state.client = newClient(url, token, {
      opened: () => {
        state.opened = true;
      },
      connected: () => log(`connected ${url} after=${after}`),
      error: (e) => log(`socket error on ${url}: ${e?.message ?? e}`),
      closed: (e) => {
        closedResolve();
        if (state.ending || stopped) return;
        conn.closed = { code: e?.code ?? null, reason: e?.reason ?? '' };
        // Dispose first so that graphql-ws does not reconnect on its own
        // with the old `after`.
        state.client.dispose().catch(() => {});
        if (fatalClose(e?.code)) {
          state.ending = true;
          fail(`${url} closed the connection with ${e?.code} ${e?.reason ?? ''}`.trim(), result());
          return;
        }
        unexpected(state, `socket closed ${e?.code} ${e?.reason ?? ''}`);
      },
    });
    state.unsubscribe = state.client.subscribe(
      { query: QUERY, variables: { c: council, after } },
      {
        next: (msg) => {
          if (state !== current || state.ending || stopped) return;
          if (msg.errors?.length) streamErrors.push(...msg.errors);
          const change = msg.data?.changes;
          if (!change) return;
          changes.push(change);
          seen.add(change.cursor);
          conn.received += 1;
          idleEnds = 0;
          log(`received ${change.cursor}`);
          if (endCursor !== null && change.cursor === endCursor) {
            stop('end');
          } else if (switchEvery > 0 && conn.received >= switchEvery) {
            log(`switching after ${conn.received} changes on ${url}`);
            end(state).then(connect);
          }
        },
        error: (err) => {
          if (state.ending || stopped) return;
          if (Array.isArray(err)) {
            const { messages, codes } = describeError(err);
            state.ending = true;
            state.client.dispose().catch(() => {});
            fail(`subscription refused on ${url}: ${messages.join('; ')} [${codes.join(', ')}]`, result());
            return;
          }
          unexpected(state, describeError(err).messages.join('; '));
        },
        complete: () => {
          if (state.ending || stopped) return;
          unexpected(state, 'subscription completed by the service');
        },
      },
    );
    current = state;
  }

  // The connection ended without being asked to: go on from the last cursor
  // on the next URL, backing off while connections keep ending empty.
  function unexpected(state, why) {
    if (state.ending || stopped) return;
    state.ending = true;
    try {
      state.unsubscribe?.();
    } catch {}
    state.client.dispose().catch(() => {});
    log(`connection to ${state.conn.url} ended: ${why}`);
    const delay = state.conn.received > 0 ? 0 : Math.min(100 * 2 ** idleEnds, 2000);
    if (state.conn.received === 0) idleEnds += 1;
    setTimeout(connect, delay);
  }

  const stdin = createInterface({ input: process.stdin });
  stdin.on('line', (line) => {
    const m = /^END\s+(\S+)\s*$/.exec(line.trim());
    if (!m) {
      if (line.trim()) log(`ignoring stdin line: ${line}`);
      return;
    }
    endCursor = m[1];
    log(`will stop at ${endCursor}`);
    if (seen.has(endCursor)) stop('end');
  });
  stdin.on('close', () => {
    if (endCursor === null) stop('eof');
  });

  connect();
}

function limit([url, token, council, nArg]) {
  if (!url || !token || !council || !nArg) usage('node subscribe.mjs limit URL TOKEN COUNCIL N');
  const n = Number(nArg);
  const waitMs = Number(process.env.LIMIT_WAIT_MS || 5000);
  const subs = Array.from({ length: n }, (_, index) => ({ index, received: 0, error: null, completed: false }));
  let closed = null;
  let acknowledged = false;
  const result = () => {
    const errors = subs
      .filter((s) => s.error)
      .map((s) => ({ index: s.index, ...s.error }));
    return {
      errors,
      active: subs.filter((s) => !s.error && !s.completed).length,
      completed: subs.filter((s) => s.completed && !s.error).length,
      closed,
    };
  };
  armTimeout(result);
  failOnUncaught(result);

  let done = false;
  const client = newClient(url, token, {
    connected: () => {
      acknowledged = true;
      log(`connected ${url}`);
    },
    closed: (e) => {
      closed = { code: e?.code ?? null, reason: e?.reason ?? '' };
      if (!done) log(`socket closed ${closed.code} ${closed.reason}`);
    },
    error: (e) => log(`socket error: ${e?.message ?? e}`),
  });
  let wake;
  const settled = new Promise((r) => (wake = r));
  const check = () => {
    if (subs.every((s) => s.error || s.completed || s.received > 0)) wake();
  };
  for (const s of subs) {
    s.dispose = client.subscribe(
      { query: QUERY, variables: { c: council, after: null } },
      {
        next: () => {
          s.received += 1;
          check();
        },
        error: (err) => {
          s.error = describeError(err);
          check();
        },
        complete: () => {
          s.completed = true;
          check();
        },
      },
    );
  }
  Promise.race([settled, new Promise((r) => setTimeout(r, waitMs))]).then(async () => {
    const doc = result();
    done = true;
    for (const s of subs) {
      try {
        s.dispose();
      } catch {}
    }
    await client.dispose().catch(() => {});
    log(`${doc.active} active, ${doc.errors.length} refused`);
    if (!acknowledged) fail(`the connection to ${url} was never acknowledged`, doc);
    else finish(doc);
  });
}

function refused([url, token, council]) {
  if (!url || token === undefined || !council) usage('node subscribe.mjs refused URL TOKEN_OR_EMPTY COUNCIL');
  const waitMs = Number(process.env.REFUSED_WAIT_MS || 5000);
  const state = { closeCode: null, reason: null, errors: [], received: 0, acknowledged: false };
  const result = () => ({ ...state });
  armTimeout(result);
  failOnUncaught(result);

  let finishing = false;
  // Set once the subscription has ended by itself (a GraphQL error or
  // complete): the 1000 close that follows is graphql-ws's own lazy close.
  let selfClosing = false;
  let client;
  const addError = (message, code = null) => {
    if (!state.errors.some((e) => e.message === message && e.code === code)) state.errors.push({ message, code });
  };
  // A socket error comes just before its close event: let both land.
  const settle = () => {
    if (finishing) return;
    finishing = true;
    setTimeout(async () => {
      await Promise.race([client.dispose().catch(() => {}), new Promise((r) => setTimeout(r, 1000))]);
      finish(result());
    }, 150);
  };
  client = newClient(url, token, {
    connected: () => {
      state.acknowledged = true;
      log(`connected ${url} (acknowledged)`);
    },
    closed: (e) => {
      log(`closed ${e?.code} ${e?.reason ?? ''}`);
      if (state.closeCode === null && !(selfClosing && e?.code === 1000)) {
        state.closeCode = e?.code ?? null;
        state.reason = e?.reason ?? '';
      }
      settle();
    },
    error: (e) => {
      addError(e?.message ?? String(e));
      settle();
    },
  });
  client.subscribe(
    { query: QUERY, variables: { c: council, after: null } },
    {
      next: () => {
        state.received += 1;
      },
      error: (err) => {
        if (Array.isArray(err)) {
          selfClosing = true;
          for (const e of err) addError(e?.message ?? String(e), e?.extensions?.code ?? null);
        } else if (!(err && typeof err === 'object' && 'code' in err && 'reason' in err)) {
          // A close event is already recorded by `closed`.
          addError(err?.message ?? String(err));
        }
        settle();
      },
      complete: () => {
        selfClosing = true;
        settle();
      },
    },
  );
  setTimeout(settle, waitMs);
}
