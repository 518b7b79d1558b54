// node gateway.mjs HUB_SDL_FILE HUB_GRAPHQL_URL: starts the courts subgraph and an Apollo Gateway over the
// composed supergraph, prints READY {"gateway": url, "courts": url} on one line, and serves until killed.
// The gateway forwards the caller's headers the hub needs to each subgraph.
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { compose } from './compose.mjs';
import { startCourts } from './courts.mjs';

const FORWARDED = ['authorization', 'x-purpose-of-use', 'x-justification', 'traceparent'];

const [hubSdlFile, hubUrl] = process.argv.slice(2);
const courtsUrl = await startCourts();
const composed = compose(readFileSync(hubSdlFile, 'utf8'), hubUrl, courtsUrl);
if (composed.errors && composed.errors.length) {
  for (const error of composed.errors) console.error(error.message);
  process.exit(1);
}
const gateway = new ApolloGateway({
  supergraphSdl: composed.supergraphSdl,
  buildService: ({ url }) => new RemoteGraphQLDataSource({
    url,
    willSendRequest({ request, context }) {
      for (const name of FORWARDED) {
        const value = context.headers?.[name];
        if (value) request.http.headers.set(name, value);
      }
    },
  }),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: 0 },
  context: async ({ req }) => ({ headers: req.headers }),
});
console.log('READY ' + JSON.stringify({ gateway: url, courts: courtsUrl }));
