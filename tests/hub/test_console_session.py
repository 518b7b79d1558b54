"""The console's session cookie and its signing key, without a hub."""

from __future__ import annotations

import stat
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hub.web.console.session import KEY_FILE, Session, seal, session_key, unseal


def test_workers_starting_together_share_one_private_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _i: session_key(tmp_path / "keys"), range(16)))
    assert len(keys) == 1 and len(next(iter(keys))) == 32
    assert stat.S_IMODE((tmp_path / "keys" / KEY_FILE).stat().st_mode) == 0o600
    assert [p.name for p in (tmp_path / "keys").iterdir()] == [KEY_FILE]  # no drafts left behind


def test_a_cookie_opens_only_with_its_key_and_before_it_expires(tmp_path: Path) -> None:
    key = session_key(tmp_path)
    session = Session.start("a.token", "SAR 7", 60)
    assert unseal(seal(session, key), key) == session
    assert unseal(seal(session, key), b"k" * 32) is None
    assert unseal(seal(Session("a.token", "SAR 7", "c", int(time.time()) - 1), key), key) is None
    for broken in ("", "no-dot", "x.y", seal(session, key) + "A"):
        assert unseal(broken, key) is None
    assert session.csrf_matches(session.csrf) and not session.csrf_matches("") and not session.csrf_matches(None)
