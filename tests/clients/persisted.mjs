// Persisted queries as Apollo Client sends them: ApolloClient (InMemoryCache,
// HttpLink) behind createPersistedQueryLink with node:crypto's SHA-256 (hex).
// Spawned by the Rust tests in tests/api, which read the one JSON document
// it prints on stdout; logging goes to stderr. Modes:
//
//   node persisted.mjs manifest DOCS_JSON_FILE OUT_FILE
//     DOCS_JSON_FILE: [{"name", "body": <operation text>, "roles": [...]}].
//     Writes to OUT_FILE the persisted query manifest Apollo's tooling
//     (@apollo/generate-persisted-query-manifest) writes for these documents:
//     {"format": "apollo-persisted-query-manifest", "version": 1,
//      "operations": [{"id", "name", "type", "body", "roles"}]}, where body is
//     the text Apollo Client sends — the document with its top-level
//     definitions sorted (operations, then fragments, each by name), run
//     through the cache's transform (which adds __typename to every selection
//     set but the operation's own), printed by graphql's print() — and id is
//     the SHA-256 hex of body. Each id is checked against the hash the
//     persisted-queries link itself computes. Prints {"operations": n}.
//
//   node persisted.mjs run URL TOKEN DOCS_JSON_FILE NAME VARIABLES_JSON
//     Sends the operation NAME of DOCS_JSON_FILE to URL (query or mutation),
//     `Authorization: Bearer TOKEN`, fetchPolicy no-cache, errorPolicy all:
//     the hash alone first, then, if the service answers
//     PersistedQueryNotFound, the hash with the text (standard APQ). Prints
//     {"data", "errors": [{"message", "extensions"}],
//      "requests": [{"hasQuery", "hash", "status"}]}. Exits 1 when no HTTP
//     response came back at all.
//
// Never runs past CLIENT_TIMEOUT_MS (default 120 s): then it prints what it
// has with "timedOut": true and exits 2.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, Observable, gql } from '@apollo/client/core/index.js';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries/index.js';
import { print } from '@apollo/client/utilities/index.js';
import { armTimeout, fail, failOnUncaught, finish, usage } from './common.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

// As @apollo/persisted-query-lists' sortTopLevelDefinitions, which Apollo's
// manifest generator applies before printing: operations before fragments,
// each kind by name. Applied to the document before Apollo Client sees it,
// so that the text the link hashes and sends is the manifest's body.
function sortTopLevelDefinitions(doc) {
  const definitions = [...doc.definitions];
  definitions.sort((a, b) => {
    if (a.kind > b.kind) return -1;
    if (a.kind < b.kind) return 1;
    const an = a.name?.value ?? '';
    const bn = b.name?.value ?? '';
    if (an < bn) return -1;
    if (an > bn) return 1;
    return 0;
  });
  return { ...doc, definitions };
}

function readDocs(file) {
  let docs;
  try {
    docs = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`cannot read ${file}: ${e.message}`);
  }
  if (!Array.isArray(docs)) fail(`${file}: expected a JSON array of {name, body, roles}`);
  return docs;
}

// Parses one entry's body; it must hold exactly one operation, named as the
// entry (Apollo's generator names each manifest operation by its operation).
function documentOf(entry) {
  let doc;
  try {
    doc = sortTopLevelDefinitions(gql(entry.body));
  } catch (e) {
    fail(`${entry.name}: ${e.message}`);
  }
  const ops = doc.definitions.filter((d) => d.kind === 'OperationDefinition');
  if (ops.length !== 1) fail(`${entry.name}: expected exactly one operation, found ${ops.length}`);
  const opName = ops[0].name?.value;
  if (!opName) fail(`${entry.name}: anonymous operations cannot be persisted by name`);
  if (opName !== entry.name) fail(`${entry.name}: the document's operation is named ${opName}`);
  return { doc, type: ops[0].operation };
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'manifest') await manifest(args);
else if (mode === 'run') await run(args);
else usage('node persisted.mjs manifest DOCS_JSON_FILE OUT_FILE | run URL TOKEN DOCS_JSON_FILE NAME VARIABLES_JSON');

async function manifest([docsFile, outFile]) {
  if (!docsFile || !outFile) usage('node persisted.mjs manifest DOCS_JSON_FILE OUT_FILE');
  const operations = [];
  armTimeout(() => ({ operations: operations.length }));
  failOnUncaught(() => ({ operations: operations.length }));
  let seen = null;
  // Ends the chain where HttpLink would be: keeps what would have been sent.
  const capture = new ApolloLink((operation) => {
    seen = {
      body: print(operation.query),
      sorted: print(sortTopLevelDefinitions(operation.query)),
      hash: operation.extensions?.persistedQuery?.sha256Hash ?? null,
    };
    return Observable.of({ data: null });
  });
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    link: createPersistedQueryLink({ sha256 }).concat(capture),
  });
  for (const entry of readDocs(docsFile)) {
    const { doc, type } = documentOf(entry);
    seen = null;
    if (type === 'query') await client.query({ query: doc, fetchPolicy: 'no-cache' });
    else if (type === 'mutation') await client.mutate({ mutation: doc, fetchPolicy: 'no-cache' });
    else {
      await new Promise((resolve, reject) => {
        const sub = client.subscribe({ query: doc, fetchPolicy: 'no-cache' }).subscribe({
          next: () => {
            sub.unsubscribe();
            resolve();
          },
          error: reject,
          complete: resolve,
        });
      });
    }
    if (!seen) fail(`${entry.name}: the operation never reached the link`);
    const id = sha256(seen.body);
    if (seen.body !== seen.sorted) fail(`${entry.name}: the sent text is not in Apollo's sorted order`);
    if (seen.hash !== id) fail(`${entry.name}: the persisted-queries link hashed ${seen.hash}, the manifest has ${id}`);
    operations.push({ id, name: entry.name, type, body: seen.body, roles: entry.roles ?? [] });
  }
  const out = { format: 'apollo-persisted-query-manifest', version: 1, operations };
  writeFileSync(outFile, JSON.stringify(out, null, 2) + '\n');
  process.stderr.write(`wrote ${operations.length} operations to ${outFile}\n`);
  finish({ operations: operations.length });
}

async function run([url, token, docsFile, name, variablesJson]) {
  if (!url || token === undefined || !docsFile || !name) {
    usage('node persisted.mjs run URL TOKEN DOCS_JSON_FILE NAME VARIABLES_JSON');
  }
  let variables = {};
  try {
    variables = variablesJson ? JSON.parse(variablesJson) : {};
  } catch (e) {
    fail(`VARIABLES_JSON: ${e.message}`);
  }
  const requests = [];
  const out = { data: null, errors: [], requests };
  armTimeout(() => out);
  failOnUncaught(() => out);

  const entry = readDocs(docsFile).find((d) => d.name === name);
  if (!entry) fail(`no operation named ${name} in ${docsFile}`, out);
  const { doc, type } = documentOf(entry);
  if (type === 'subscription') fail(`${name} is a subscription; run sends queries and mutations`, out);

  // global fetch, keeping what each request carried and how it was answered.
  const recordingFetch = async (uri, init) => {
    let body = null;
    try {
      body = JSON.parse(init?.body);
    } catch {}
    const request = {
      hasQuery: typeof body?.query === 'string',
      hash: body?.extensions?.persistedQuery?.sha256Hash ?? null,
      status: null,
    };
    requests.push(request);
    const response = await fetch(uri, init);
    request.status = response.status;
    return response;
  };
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    link: createPersistedQueryLink({ sha256 }).concat(
      new HttpLink({
        uri: url,
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        fetch: recordingFetch,
      }),
    ),
  });
  const asError = (e) => ({ message: e?.message ?? String(e), extensions: e?.extensions ?? null });
  try {
    const result =
      type === 'mutation'
        ? await client.mutate({ mutation: doc, variables, fetchPolicy: 'no-cache', errorPolicy: 'all' })
        : await client.query({ query: doc, variables, fetchPolicy: 'no-cache', errorPolicy: 'all' });
    out.data = result.data ?? null;
    out.errors = (result.errors ?? []).map(asError);
  } catch (e) {
    const network = e?.networkError;
    out.errors = [
      ...(e?.graphQLErrors ?? []).map(asError),
      ...(Array.isArray(network?.result?.errors) ? network.result.errors.map(asError) : []),
    ];
    if (network && !Array.isArray(network?.result?.errors)) {
      out.errors.push({ message: network.message, extensions: { statusCode: network.statusCode ?? null } });
    }
    if (!network && !e?.graphQLErrors?.length) out.errors.push(asError(e));
    if (!requests.some((r) => r.status !== null)) {
      fail(`no response from ${url}: ${network?.cause?.message ?? network?.message ?? e?.message}`, out);
      return;
    }
  }
  finish(out);
}
