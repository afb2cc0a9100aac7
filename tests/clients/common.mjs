// What the three client scripts (subscribe.mjs, gateway.mjs, persisted.mjs)
// share: stdout carries exactly one JSON document, written once at the end;
// everything else, the libraries' own logging included, goes to stderr; and
// no script outlives its overall timeout (CLIENT_TIMEOUT_MS, default 120 s),
// after which it prints what it has and exits 2.

import { writeSync } from 'node:fs';

// Libraries log with console.log/info/debug; keep stdout for the one JSON
// document the Rust tests parse.
for (const level of ['log', 'info', 'debug']) {
  console[level] = (...args) => console.error(...args);
}

// Writes `doc` as the one JSON document on stdout and exits with `code` at
// once, so that nothing after a fail() runs. The write is synchronous and
// waits out a full pipe (process.stdout.write followed by process.exit can
// lose all but the first 64 KiB when stdout is a pipe).
export function finish(doc, code = 0) {
  const buf = Buffer.from(JSON.stringify(doc) + '\n');
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let off = 0; off < buf.length; ) {
    try {
      off += writeSync(1, buf, off, buf.length - off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
  process.exit(code);
}

// Says why on stderr, prints what there is (with the reason under "error")
// and exits 1.
export function fail(message, partial = {}) {
  process.stderr.write(`${process.argv[1]?.split('/').pop()}: ${message}\n`);
  finish({ ...partial, error: message }, 1);
}

// Arms the overall timeout: when it fires, prints `partial()` with
// "timedOut": true and exits 2.
export function armTimeout(partial) {
  const ms = Number(process.env.CLIENT_TIMEOUT_MS || 120000);
  const timer = setTimeout(() => {
    process.stderr.write(`${process.argv[1]?.split('/').pop()}: timed out after ${ms} ms\n`);
    let doc;
    try {
      doc = partial();
    } catch (e) {
      doc = { partialError: String(e) };
    }
    finish({ ...doc, timedOut: true }, 2);
  }, ms);
  return timer;
}

// Exits 1 on anything thrown and not caught, printing `partial()`.
export function failOnUncaught(partial) {
  const handler = (e) => {
    if (e?.stack) process.stderr.write(`${e.stack}\n`);
    fail(e?.message || (e && typeof e === 'object' ? JSON.stringify(e) : String(e)), safe(partial));
  };
  process.on('uncaughtException', handler);
  process.on('unhandledRejection', handler);
}

function safe(partial) {
  try {
    return partial();
  } catch {
    return {};
  }
}

export function usage(text) {
  process.stderr.write(`usage: ${text}\n`);
  process.exit(64);
}
