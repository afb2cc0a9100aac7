// Federates the service's subgraph with a second one through the real
// @apollo/gateway, as a team running Apollo Federation in front of the
// service would. Spawned by the Rust tests in tests/api, which read the one
// JSON document it prints on stdout; logging goes to stderr.
//
//   node gateway.mjs SUBGRAPH_URL TOKEN QUERIES_JSON_FILE
//
// It starts, in this process and on ephemeral ports of 127.0.0.1:
//   - a second subgraph, `labour` (@apollo/server + @apollo/subgraph,
//     Federation v2.3): `Council @key(fields: "code") { code claimantRate }`,
//     resolving references from a fixed table (LIV 5.1, HAL 3.9, others
//     null), and `Query.labourMarket` = [LIV, HAL];
//   - an ApolloGateway composing `svh` (SUBGRAPH_URL) and `labour` with
//     IntrospectAndCompose, introspecting with `Authorization: Bearer TOKEN`;
//     each subgraph fetch carries the incoming request's Authorization
//     header;
//   - an ApolloServer serving that gateway.
// Then it POSTs each {query, variables, token} of QUERIES_JSON_FILE (a JSON
// array) to the gateway over HTTP with `Authorization: Bearer <token>` (the
// TOKEN argument when `token` is absent, no header when it is null or ""),
// and prints
//   {"supergraphSdl": <the composed supergraph SDL>,
//    "responses": [<each JSON response body as received>],
//    "statuses": [<each HTTP status>]}
// (a body that is not JSON is given as {"status", "body"}). Exits 1, with the
// reason on stderr and under "error", when composition or startup fails; 2
// after CLIENT_TIMEOUT_MS (default 120 s).
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { parse } from 'graphql';
import { armTimeout, fail, failOnUncaught, finish, usage } from './common.mjs';

const [subgraphUrl, token, queriesFile] = process.argv.slice(2);
if (!subgraphUrl || token === undefined || !queriesFile) usage('node gateway.mjs SUBGRAPH_URL TOKEN QUERIES_JSON_FILE');

const LABOUR_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Council @key(fields: "code") {
    code: String!
    claimantRate: String
  }

  type Query {
    labourMarket: [Council!]!
  }
`;
const CLAIMANT_RATES = { LIV: '5.1', HAL: '3.9' };
const labourResolvers = {
  Query: { labourMarket: () => [{ code: 'LIV' }, { code: 'HAL' }] },
  Council: {
    __resolveReference: (ref) => ({ code: ref.code }),
    claimantRate: (council) => CLAIMANT_RATES[council.code] ?? null,
  },
};

let supergraphSdl = null;
const responses = [];
const statuses = [];
const result = () => ({ supergraphSdl, responses, statuses });
armTimeout(result);
failOnUncaught(result);

let queries;
try {
  queries = JSON.parse(readFileSync(queriesFile, 'utf8'));
  if (!Array.isArray(queries)) throw new Error('expected a JSON array of {query, variables, token}');
} catch (e) {
  fail(`cannot read ${queriesFile}: ${e.message}`, result());
}

const listen = { port: 0, host: '127.0.0.1' };
const started = [];

async function main() {
  const labour = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(LABOUR_SDL), resolvers: labourResolvers }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url: labourUrl } = await startStandaloneServer(labour, { listen });
  started.push(labour);
  process.stderr.write(`labour subgraph at ${labourUrl}\n`);

  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [
        { name: 'svh', url: subgraphUrl },
        { name: 'labour', url: labourUrl },
      ],
      introspectionHeaders: { Authorization: `Bearer ${token}` },
    }),
    buildService({ url }) {
      return new RemoteGraphQLDataSource({
        url,
        // Introspection comes here too, with an empty context and the
        // introspection headers already set: leave those alone.
        willSendRequest({ request, context }) {
          if (context?.authorization) request.http.headers.set('Authorization', context.authorization);
        },
      });
    },
  });
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    supergraphSdl = coreSupergraphSdl;
  });
  const server = new ApolloServer({ gateway, includeStacktraceInErrorResponses: false });
  let gatewayUrl;
  try {
    ({ url: gatewayUrl } = await startStandaloneServer(server, {
      listen,
      context: async ({ req }) => ({ authorization: req.headers.authorization }),
    }));
  } catch (e) {
    await stopAll();
    fail(`the gateway did not start: ${e.message}`, result());
    return;
  }
  started.push(server);
  process.stderr.write(`gateway at ${gatewayUrl}\n`);

  for (const { query, variables, token: queryToken } of queries) {
    const bearer = queryToken === undefined ? token : queryToken;
    const headers = { 'content-type': 'application/json' };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const res = await fetch(gatewayUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables: variables ?? {} }),
    });
    const text = await res.text();
    statuses.push(res.status);
    try {
      responses.push(JSON.parse(text));
    } catch {
      responses.push({ status: res.status, body: text });
    }
  }

  await stopAll();
  finish(result());
}

async function stopAll() {
  // Stopping the gateway's server stops the gateway too.
  for (const s of started.reverse()) await s.stop().catch((e) => process.stderr.write(`stop: ${e.message}\n`));
}

main().catch(async (e) => {
  process.stderr.write(`${e.stack}\n`);
  await stopAll();
  fail(e.message, result());
});
