// A partner's subgraph: a courts service that lists hearings and extends the hub's Person with them.
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

export const COURTS_SDL = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Person @key(fields: "id") {
  id: ID!
  hearings: [Hearing!]!
}

type Hearing {
  court: String!
  listedOn: String!
  defendant: Person!
}

type Query {
  hearingsListed: [Hearing!]!
}
`;

const HEARINGS = [
  { court: 'Highbury Corner Magistrates', listedOn: '2026-12-03', defendant: { id: 'H00000001' } },
  { court: 'Thames Magistrates', listedOn: '2026-12-04', defendant: { id: 'H00000002' } },
  { court: 'Snaresbrook Crown Court', listedOn: '2026-12-07', defendant: { id: 'H99999999' } },
];

const resolvers = {
  Query: { hearingsListed: () => HEARINGS },
  Person: {
    __resolveReference: ({ id }) => ({ id }),
    hearings: ({ id }) => HEARINGS.filter((h) => h.defendant.id === id),
  },
};

export async function startCourts() {
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(COURTS_SDL), resolvers }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
  return url;
}
