"""Reading the trail: filtered search with paging, subject access, export that parses back."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
from datetime import timedelta, timezone
from pathlib import Path

import pytest

from audit.cli import configure, run
from audit.review import AuditFilter, export, records_between, search, subject_access_report
from audit.store import AuditStore
from tests.audit.conftest import T0, StoreFactory, event, settings_for


async def trail(make_store: StoreFactory) -> AuditStore:
    store = await make_store()
    people = ("H00000001", "H00000002", "H00000003")
    for i in range(30):
        role = ("police-iom-officer", "probation-practitioner", "housing-officer")[i % 3]
        agency = ("police", "probation", "housing")[i % 3]
        await store.append(event(i, actor_id=f"user-{i % 3}", roles=(role,), agency=agency,
                                 purpose="iom" if i % 2 else "mappa", outcome="ok" if i % 5 else "refused",
                                 subjects=(people[i % 3],) if i % 5 else ()))
    return store


async def test_search_filters_and_pages_newest_first(make_store: StoreFactory) -> None:
    store = await trail(make_store)
    page, more = await search(store, AuditFilter(agency="police"), first=4)
    assert [r.seq for r in page] == [28, 25, 22, 19] and more
    rest, more = await search(store, AuditFilter(agency="police"), first=100, after_seq=page[-1].seq)
    assert [r.seq for r in rest] == [16, 13, 10, 7, 4, 1] and not more
    by_role, _ = await search(store, AuditFilter(role="housing-officer", purpose="iom"), first=100)
    assert by_role and all(r.event.roles == ("housing-officer",) and r.event.purpose == "iom" for r in by_role)
    refused, _ = await search(store, AuditFilter(outcome="refused"), first=100)
    assert [r.seq for r in refused] == [26, 21, 16, 11, 6, 1]
    window, _ = await search(store, AuditFilter(since=T0 + timedelta(seconds=10),
                                                until=T0 + timedelta(seconds=12)), first=100)
    assert [r.seq for r in window] == [12, 11]
    # The same instants written in another zone select the same records.
    plus2 = timezone(timedelta(hours=2))
    shifted, _ = await search(store, AuditFilter(since=(T0 + timedelta(seconds=10)).astimezone(plus2),
                                                 until=(T0 + timedelta(seconds=12)).astimezone(plus2)), first=100)
    assert [r.seq for r in shifted] == [12, 11]
    by_actor, _ = await search(store, AuditFilter(actor="user-1", subject="H00000002"), first=100)
    assert by_actor and all(r.event.actor_id == "user-1" and "H00000002" in r.event.subjects for r in by_actor)
    # A role filter matches whole roles only ("officer" is nobody's role).
    assert (await search(store, AuditFilter(role="officer"), first=10))[0] == []


async def test_paging_visits_every_record_once(make_store: StoreFactory) -> None:
    store = await trail(make_store)
    seen: list[int] = []
    cursor, more = None, True
    while more:
        page, more = await search(store, AuditFilter(), 7, cursor)
        seen += [r.seq for r in page]
        cursor = page[-1].seq
    assert seen == list(range(30, 0, -1))


async def test_subject_access_report_lists_every_disclosure_about_a_person(make_store: StoreFactory) -> None:
    store = await trail(make_store)
    report = await subject_access_report(store, "H00000003")
    expected = [i + 1 for i in range(30) if i % 3 == 2 and i % 5]
    assert [r.seq for r in report] == expected
    assert all(r.event.disclosed and r.event.purpose for r in report)
    assert await subject_access_report(store, "H99999999") == []


async def test_export_jsonl_and_csv_parse_back(make_store: StoreFactory) -> None:
    store = await trail(make_store)
    records = await records_between(store, T0 + timedelta(seconds=5), T0 + timedelta(seconds=15))
    assert [r.seq for r in records] == list(range(6, 16))
    out = io.StringIO()
    assert export(records, "jsonl", out) == 10
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [d["seq"] for d in lines] == list(range(6, 16)) and all(len(d["hash"]) == 64 for d in lines)
    assert lines[1]["prev_hash"] == lines[0]["hash"]
    out = io.StringIO()
    export(records, "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [int(r["seq"]) for r in rows] == list(range(6, 16))
    assert rows[0]["roles"] and rows[0]["occurred_at"].endswith("Z")
    with pytest.raises(ValueError):
        export(records, "xml", io.StringIO())


async def test_cli_export_and_subject(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = settings_for(tmp_path)
    store = await AuditStore.open(settings)
    for i in range(6):
        await store.append(event(i, subjects=("H00000042",) if i % 2 else ()))
    await store.close()
    parser = argparse.ArgumentParser()
    configure(parser)
    out = tmp_path / "trail.csv"
    assert await asyncio.to_thread(run, parser.parse_args(["export", "--format", "csv", "--output", str(out)]),
                                   settings) == 0
    assert len(list(csv.DictReader(out.open()))) == 6
    assert await asyncio.to_thread(run, parser.parse_args(["subject", "H00000042"]), settings) == 0
    text = capsys.readouterr().out
    assert "3 recorded requests concerning H00000042" in text and "#2 " in text and "#1 " not in text
