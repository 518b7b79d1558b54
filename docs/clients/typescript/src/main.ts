// A typed client of the hub: `HUB_URL`, `HUB_TOKEN` and `HUB_PURPOSE` say where and as whom.
//
// The hub answers in part when the agreements withhold a field: the value is null and an error with
// `extensions.code` FIELD_NOT_SHARED says which field, why and under which clause. A client keeps the
// data and shows "withheld" at those paths instead of failing the whole answer.
import { print } from "graphql";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { MyCaseloadDocument, type MyCaseloadQuery } from "./generated/graphql.js";

interface HubError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; reason?: string; clause?: string; paths?: (string | number)[][] };
}

interface Answer<T> {
  data: T | null;
  errors: HubError[];
}

async function ask<T, V>(document: TypedDocumentNode<T, V>, variables: V): Promise<Answer<T>> {
  const response = await fetch(`${process.env.HUB_URL}/graphql`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/graphql-response+json",
      Authorization: `Bearer ${process.env.HUB_TOKEN}`,
      "X-Purpose-Of-Use": process.env.HUB_PURPOSE ?? "iom",
    },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: HubError[] };
  if (!response.ok && body.data === undefined) {
    throw new Error(`the hub refused the request (${response.status}): ${body.errors?.[0]?.message}`);
  }
  return { data: body.data ?? null, errors: body.errors ?? [] };
}

/** Every path at which a value was withheld, as "people.edges.0.node.treatment". */
function withheld(errors: HubError[]): string[] {
  return errors
    .filter((e) => e.extensions?.code === "FIELD_NOT_SHARED")
    .flatMap((e) => e.extensions?.paths ?? (e.path ? [e.path] : []))
    .map((path) => path.join("."));
}

const answer = await ask(MyCaseloadDocument, { first: 5 });
const people = answer.data?.people;
const rows = (people?.edges ?? []).map(({ node }: NonNullable<MyCaseloadQuery["people"]>["edges"][number]) => ({
  id: node.id,
  name: node.name,
  ogrsBand: node.probation?.ogrsBand ?? null,
  releaseDate: node.probation?.releaseDate ?? null,
}));
console.log(JSON.stringify({ totalCount: people?.totalCount ?? null, people: rows, withheld: withheld(answer.errors) }));
