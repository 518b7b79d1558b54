"""``hub audit prove`` output, checked by the standalone verifier run as a separate program."""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import audit.verify_proof
from audit.cli import configure, run
from audit.keys import ensure_checkpoint_keys
from audit.store import AuditStore
from hub.core.settings import Settings
from tests.audit.conftest import PgMaker, event, settings_for
from tests.audit.test_merkle import mth
from tests.audit.test_witness import bodies

VERIFIER = Path(audit.verify_proof.__file__)


def _prove(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    configure(parser)
    code = run(parser.parse_args(["prove", *argv]), settings)
    return code, capsys.readouterr().out


def offline(proof: dict[str, Any] | str, key: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The verifier as an auditor runs it: a separate interpreter, the file's own path, nothing of the hub."""
    file = tmp_path / "proof.json"
    file.write_text(proof if isinstance(proof, str) else json.dumps(proof))
    return subprocess.run([sys.executable, "-I", str(VERIFIER), str(file), "--key", str(key)],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
async def trail(tmp_path: Path, pg_maker: PgMaker | None) -> tuple[Settings, list[str]]:
    """137 records, signed at 100 and at 137."""
    url = await pg_maker("audit_prove") if pg_maker else None
    settings = settings_for(tmp_path, url, audit_checkpoint_every=100)
    store = await AuditStore.open(settings)
    try:
        await asyncio.gather(*(store.append(event(i)) for i in range(90)))
        for i in range(90, 100):  # one at a time: the batch that crosses 100 ends there
            await store.append(event(i))
        await asyncio.gather(*(store.append(event(i)) for i in range(100, 137)))
    finally:
        await store.close()
    store = await AuditStore.open(settings)
    try:
        texts = await bodies(store)
    finally:
        await store.dispose()
    return settings, texts


async def test_an_inclusion_proof_verifies_offline(trail: tuple[Settings, list[str]], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    settings, texts = trail
    key = settings.keys_dir / "audit-public.pem"
    code, out = await asyncio.to_thread(_prove, settings, capsys, "--seq", "42")
    assert code == 0
    proof = json.loads(out)
    assert (proof["seq"], proof["leaf_index"], proof["tree_size"], proof["record"]) == (42, 41, 137, texts[41])
    assert base64.b64decode(proof["checkpoint"].split("\n")[2]) == mth(texts)
    assert len(proof["audit_path"]) == 8  # ceil(log2(137)): logarithmic
    done = offline(proof, key, tmp_path)
    assert done.returncode == 0 and "record 42 is in the trail of 137 records" in done.stdout, done.stderr

    wrong_leaf = {**proof, "record": texts[40]}
    assert offline(wrong_leaf, key, tmp_path).returncode == 1
    wrong_index = {**proof, "seq": 43, "leaf_index": 42}
    assert offline(wrong_index, key, tmp_path).returncode == 1
    path = list(proof["audit_path"])
    path[3] = base64.b64encode(bytes(32)).decode()
    assert offline({**proof, "audit_path": path}, key, tmp_path).returncode == 1
    forged_root = proof["checkpoint"].replace(proof["checkpoint"].split("\n")[2],
                                              base64.b64encode(mth(texts[:136])).decode())
    failed = offline({**proof, "checkpoint": forged_root}, key, tmp_path)
    assert failed.returncode == 1 and "signature does not verify" in failed.stderr
    ensure_checkpoint_keys(tmp_path / "other")  # another trail's key
    assert offline(proof, tmp_path / "other" / "audit-public.pem", tmp_path).returncode == 1


async def test_inclusion_against_an_earlier_checkpoint(trail: tuple[Settings, list[str]], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    settings, texts = trail
    code, out = await asyncio.to_thread(_prove, settings, capsys, "--seq", "100", "--size", "100")
    proof = json.loads(out)
    assert code == 0 and proof["tree_size"] == 100 and base64.b64decode(proof["checkpoint"].split("\n")[2]) == mth(
        texts[:100])
    assert offline(proof, settings.keys_dir / "audit-public.pem", tmp_path).returncode == 0
    # Record 101 is not in the tree signed at 100; no checkpoint of 120 records exists.
    assert (await asyncio.to_thread(_prove, settings, capsys, "--seq", "101", "--size", "100"))[0] == 1
    assert (await asyncio.to_thread(_prove, settings, capsys, "--seq", "1", "--size", "120"))[0] == 1


async def test_a_consistency_proof_verifies_offline(trail: tuple[Settings, list[str]], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    settings, texts = trail
    key = settings.keys_dir / "audit-public.pem"
    code, out = await asyncio.to_thread(_prove, settings, capsys, "--from", "100", "--to", "137")
    assert code == 0
    proof = json.loads(out)
    assert [proof["first"]["tree_size"], proof["second"]["tree_size"]] == [100, 137]
    done = offline(proof, key, tmp_path)
    assert done.returncode == 0 and "extends the trail of 100 records unchanged" in done.stdout, done.stderr
    path = list(proof["consistency_path"])
    path[0] = base64.b64encode(mth(texts[:1])).decode()
    assert offline({**proof, "consistency_path": path}, key, tmp_path).returncode == 1
    swapped = {**proof, "first": proof["second"], "second": proof["first"]}
    assert offline(swapped, key, tmp_path).returncode == 1
    assert (await asyncio.to_thread(_prove, settings, capsys, "--from", "100"))[0] == 2
