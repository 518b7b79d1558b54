"""Separate OS processes on one trail: a writer killed mid-stream, and several writers at once."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

from audit.integrity import verify
from tests.audit.conftest import settings_for

ROOT = Path(__file__).resolve().parents[2]


async def writer(data_dir: Path, url: str, count: int, checkpoint_every: int = 1000) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.audit.writer_process", str(data_dir), url, str(count), str(checkpoint_every),
        stdout=subprocess.PIPE, cwd=ROOT)


async def acknowledged(proc: asyncio.subprocess.Process, at_least: int | None = None) -> list[int]:
    """Sequence numbers the process printed (all of them, or stop reading once ``at_least`` arrived)."""
    assert proc.stdout is not None
    seqs: list[int] = []
    while at_least is None or len(seqs) < at_least:
        line = await asyncio.wait_for(proc.stdout.readline(), 120)  # a hang guard, not a timing assertion
        if not line:
            break
        seqs.append(int(line))
    return seqs


async def test_acknowledged_records_survive_a_killed_writer(audit_url: str, tmp_path: Path) -> None:
    proc = await writer(tmp_path, audit_url, 0)
    acked = await acknowledged(proc, at_least=300)
    proc.send_signal(signal.SIGKILL)  # no close, no flush, no checkpoint: mid-stream
    await proc.wait()
    report = await verify(settings_for(tmp_path, audit_url))
    assert report.ok, report.summary()
    assert set(acked) <= set(range(1, report.records + 1)), "a record acknowledged as committed was lost"
    assert report.records >= 300


async def test_writer_processes_share_one_chain(audit_url: str, tmp_path: Path) -> None:
    # Three processes start together on one data folder: one signing key, one chain, every seq once.
    procs = [await writer(tmp_path, audit_url, 160, checkpoint_every=25) for _ in range(3)]
    outputs = await asyncio.gather(*(acknowledged(p) for p in procs))
    assert [await p.wait() for p in procs] == [0, 0, 0]
    everything = sorted(seq for out in outputs for seq in out)
    assert everything == list(range(1, 481)), "sequence numbers were repeated or skipped"
    report = await verify(settings_for(tmp_path, audit_url))
    assert report.ok and report.records == 480, report.summary()
    assert report.checkpoints >= 480 // 25  # signed by whichever process crossed each multiple, with one key
