// node compose.mjs HUB_SDL_FILE HUB_URL COURTS_URL [PARTNER_SDL_FILE]: the supergraph on stdout, or every
// composition error on stderr and exit 1 (@apollo/composition, as a router's tooling composes).
import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { COURTS_SDL } from './courts.mjs';

export function compose(hubSdl, hubUrl, courtsUrl, partnerSdl = COURTS_SDL) {
  return composeServices([
    { name: 'hub', typeDefs: parse(hubSdl), url: hubUrl },
    { name: 'courts', typeDefs: parse(partnerSdl), url: courtsUrl },
  ]);
}

if (process.argv[1] && process.argv[1].endsWith('compose.mjs')) {
  const [hubSdlFile, hubUrl, courtsUrl, partnerFile] = process.argv.slice(2);
  const partner = partnerFile ? readFileSync(partnerFile, 'utf8') : COURTS_SDL;
  const result = compose(readFileSync(hubSdlFile, 'utf8'), hubUrl, courtsUrl, partner);
  if (result.errors && result.errors.length) {
    for (const error of result.errors) console.error(error.message);
    process.exit(1);
  }
  process.stdout.write(result.supergraphSdl);
}
