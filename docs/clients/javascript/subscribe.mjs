// The README's subscription, as a partner's Node service would run it: release events over graphql-transport-ws,
// authenticated in the connection_init payload. Prints the first event as JSON and stops.
//   HUB_URL=http://127.0.0.1:8000 HUB_TOKEN=... HUB_PURPOSE=victim-contact [HUB_SINCE=2026-12-01T00:00:00Z] node subscribe.mjs
import { createClient } from "graphql-ws";
import WebSocket from "ws"; // Node 20 has no WebSocket of its own

const client = createClient({
  url: `${process.env.HUB_URL.replace(/^http/, "ws")}/graphql`,
  webSocketImpl: WebSocket,
  connectionParams: {
    Authorization: `Bearer ${process.env.HUB_TOKEN}`,
    "X-Purpose-Of-Use": process.env.HUB_PURPOSE,
  },
});

// `since` first replays what was captured since then (a client resuming after a disconnect), then goes on live.
const query = `subscription Releases($since: DateTime) {
  releases(filter: {types: [RELEASE_SCHEDULED], since: $since}) {
    eventId type personId releaseDate previousReleaseDate releaseType licenceConditions { kind description }
  }
}`;

try {
  for await (const result of client.iterate({ query, variables: { since: process.env.HUB_SINCE ?? null } })) {
    if (result.errors) throw new Error(result.errors.map((e) => `${e.extensions?.code}: ${e.message}`).join("; "));
    console.log(JSON.stringify(result.data.releases)); // fields the agreements withhold from you are null
    break; // one is enough for the example: leaving the loop completes the subscription
  }
} finally {
  await client.dispose();
}
