// The graphql-http audit suite against a running hub: `node audit.mjs <url> <token> <purpose>`.
// Every request carries the caller's token and purpose (the hub answers nothing without them); the
// results are printed as JSON for tests/http/test_graphql_http_audit.py to judge.
import { auditServer } from "graphql-http";

const [url, token, purpose] = process.argv.slice(2);

function withCaller(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  headers.set("x-purpose-of-use", purpose);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url, fetchFn: withCaller });
console.log(JSON.stringify(results.map((r) => ({ id: r.id, name: r.name, status: r.status,
                                                   reason: r.reason ?? null }))));
