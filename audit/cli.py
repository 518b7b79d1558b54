"""``hub audit verify | prove | export | subject``: the trail for information governance, on the command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from audit.integrity import require_trail, verify
from audit.proofs import NoProof, consistency, inclusion
from audit.review import export, export_subject, records_between, subject_entries
from audit.store import audit_engine
from hub.core.settings import Settings


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    sub.add_parser("verify", help="check the chain, the Merkle tree, the signed checkpoints and the witness "
                                  "(exit 1 naming the first bad seq)")
    prove = sub.add_parser("prove", help="print an inclusion proof (--seq) or a consistency proof (--from, --to) "
                                         "as JSON, for audit/verify_proof.py")
    prove.add_argument("--seq", type=int, help="the record to prove included")
    prove.add_argument("--size", type=int, help="against the signed checkpoint of this many records "
                                                "(default: the latest)")
    prove.add_argument("--from", dest="first", type=int, help="the tree size of the earlier checkpoint")
    prove.add_argument("--to", dest="second", type=int, help="the tree size of the later checkpoint")
    ex = sub.add_parser("export", help="write records as JSON lines or CSV")
    ex.add_argument("--since", type=_moment, help="from this UTC time (ISO 8601), inclusive")
    ex.add_argument("--until", type=_moment, help="up to this UTC time, exclusive")
    ex.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    ex.add_argument("--output", type=Path, help="file to write (default: standard output)")
    subj = sub.add_parser("subject", help="every disclosure about one person: who, when, why, which fields")
    subj.add_argument("person_id")
    subj.add_argument("--format", choices=("text", "jsonl", "csv"), default="text")


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.audit_command == "verify":
        report = await verify(settings)
        print(report.summary())
        return 0 if report.ok else 1
    require_trail(settings.audit_url)
    engine = audit_engine(settings.audit_url)
    try:
        if args.audit_command == "prove":
            return await _prove(args, engine)
        if args.audit_command == "export":
            records = await records_between(engine, args.since, args.until)
            if args.output:
                with args.output.open("w", newline="") as out:
                    n = export(records, args.format, out)
            else:
                n = export(records, args.format, sys.stdout)
            print(f"hub audit export: {n} records", file=sys.stderr)
            return 0
        entries = await subject_entries(engine, args.person_id)
        if args.format != "text":
            export_subject(entries, args.format, sys.stdout)
            return 0
        print(f"{len(entries)} recorded requests concerning {args.person_id}")
        for e in entries:
            print(f"#{e.seq} {e.occurred_at.isoformat()} {e.actor_id} ({e.agency}; {', '.join(e.roles)}) "
                  f"purpose {e.purpose} outcome {e.outcome}; disclosed {' '.join(e.disclosed) or '-'}; "
                  f"masked {' '.join(e.masked) or '-'}; withheld {' '.join(e.withheld) or '-'}; "
                  f"consulted {' '.join(e.consulted) or '-'}; justification {e.justification or '-'}"
                  + ("" if e.per_person else " (recorded before per-person detail: the request's fields)"))
        return 0
    finally:
        await engine.dispose()


async def _prove(args: argparse.Namespace, engine: AsyncEngine) -> int:
    wants_inclusion = args.seq is not None
    if wants_inclusion == (args.first is not None or args.second is not None) or \
            (not wants_inclusion and (args.first is None or args.second is None or args.size is not None)):
        print("hub audit prove: give --seq N [--size S], or --from A --to B", file=sys.stderr)
        return 2
    try:
        async with engine.connect() as conn:
            proof = await conn.run_sync(lambda c: inclusion(c, args.seq, args.size) if wants_inclusion
                                        else consistency(c, args.first, args.second))
    except NoProof as exc:
        print(f"hub audit prove: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(proof, indent=2, ensure_ascii=False))
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 when done (``verify``: the trail is intact), 1 when ``verify`` finds tampering or no proof can be
    given, 2 for arguments that do not make a proof."""
    try:
        return asyncio.run(_run(args, settings))
    except BrokenPipeError:
        # The reader stopped early (``| head``): not an error; silence the final flush of stdout.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
