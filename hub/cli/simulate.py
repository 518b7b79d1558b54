"""``hub simulate release|arrest``: change an agency's own records the way its system would, so a demo (or a
test) drives the real change capture rather than injecting an event."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, date, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.police import tables as police
from connectors.probation import tables as probation
from connectors.registry import named
from hub.core.db import create_engine
from hub.core.errors import BadUserInput
from hub.core.settings import Settings
from hub.events.triggers import install
from hub.services.index.store import PersonIndex


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="change", required=True, metavar="CHANGE")
    release = sub.add_parser("release", help="probation sets (or moves) a person's release date")
    release.add_argument("--person", required=True, help="hub person id")
    release.add_argument("--on", required=True, type=date.fromisoformat, help="the release date, YYYY-MM-DD")
    release.add_argument("--type", choices=["early"], help="early: an early release (release type early_release)")
    arrest = sub.add_parser("arrest", help="police record an arrest of a person")
    arrest.add_argument("--person", required=True, help="hub person id")


async def _key(settings: Settings, person: str, scheme: str) -> str:
    index = PersonIndex(create_engine(settings.index_url))
    try:
        found = (await index.get_many([person])).get(person)
    finally:
        await index.close()
    key = found.links.get(scheme) if found is not None else None
    if key is None:
        raise BadUserInput(f"no {scheme} is linked to person {person}", argument="person")
    return key


async def _capture(engine: AsyncEngine, agency: str) -> None:
    """The agency's capture, in case no hub has installed it yet: the change is then an event all the same."""
    capture = named(agency).agency.capture
    if capture is not None:
        await install(engine, agency, capture)


async def release(settings: Settings, person: str, on: date, early: bool) -> str:
    """Probation's system moving the release of the person's latest custodial sentence: the decision is
    today's, so the notice given is the days from today to ``on``."""
    crn = await _key(settings, person, "crn")
    s = probation.sentence
    engine = create_engine(settings.agency_url("probation"))
    try:
        await _capture(engine, "probation")
        async with engine.begin() as conn:
            sentence_id = (await conn.execute(
                select(s.c.sentence_id).where(s.c.crn == crn, s.c.kind == "custodial")
                .order_by(s.c.release_date.desc().nulls_last(), s.c.sentence_id.desc()).limit(1))).scalar()
            if sentence_id is None:
                raise BadUserInput(f"person {person} has no custodial sentence to release from", argument="person")
            values: dict[str, object] = {"release_date": on, "release_decided_on": datetime.now(UTC).date()}
            if early:
                values["release_type"] = "early_release"
            await conn.execute(update(s).where(s.c.sentence_id == sentence_id).values(**values))
    finally:
        await engine.dispose()
    return crn


async def arrest(settings: Settings, person: str) -> str:
    """Police's custody system booking the person in now (bailed, until the outcome is recorded)."""
    pnc = await _key(settings, person, "pncId")
    a = police.arrest
    engine = create_engine(settings.agency_url("police"))
    try:
        await _capture(engine, "police")
        async with engine.begin() as conn:
            next_id = (await conn.execute(select(func.coalesce(func.max(a.c.arrest_id), 0) + 1))).scalar_one()
            await conn.execute(insert(a).values(
                arrest_id=next_id, pnc_id=pnc, arrested_at=datetime.now(UTC).replace(tzinfo=None),
                offence_code="TH68023", offence="Theft from shop", custody_suite="Charing Cross", outcome="bailed"))
    finally:
        await engine.dispose()
    return pnc


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.change == "release":
        key = asyncio.run(release(settings, args.person, args.on, args.type == "early"))
        print(f"probation: release of {key} set to {args.on.isoformat()}", file=sys.stderr)
    else:
        key = asyncio.run(arrest(settings, args.person))
        print(f"police: arrest of {key} recorded", file=sys.stderr)
    return 0
