"""Every mask the field catalogue names, applied over HTTP.

For each (group, mask) the catalogue lists, a private policy gives probation practitioners that
mask on that group, unconditionally. Each field of the group must then come back exactly as the
registry's transform makes of the stored value (as stored where the mask names no transform), or
null with a FIELD_NOT_SHARED error where the mask does not reveal the field. The stored values come
from the same data with governance off.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.auth import issue_dev_token
from hub.web.runtime import Hub
from policies.loader import PACKAGED, load_policy
from tests.graph_client import GraphClient
from tests.http.test_sharing_matrix import PARENT, covered, dig, leaving_police, selection
from tests.http.transforms import through
from tests.policies.test_matrix import USUAL
from tests.policy_copies import copy_shipped, rewrite_rules

ROLE, PURPOSE = "probation-practitioner", "daily-intel"
CATALOGUE = load_policy(PACKAGED).catalogue
CASES = sorted({(entry.group, mask) for entry in CATALOGUE.fields.values() for mask in entry.masks})


def masked_policy(directory: Path, group: str, mask: str, role: str = ROLE) -> Path:
    """A copy of the shipped policy where ``role`` gets ``mask:<mask>`` on ``group`` for everyone."""
    copy_shipped(directory)

    def rewrite(line: str) -> str:
        parts = line.split(",", 5)
        if len(parts) > 3 and parts[0] == role and parts[1] in ("*", USUAL[role]) and parts[2] == group:
            parts[3:5] = [f"mask:{mask}", ""]
            return ",".join(parts)
        return line

    changed = rewrite_rules(directory, rewrite)
    assert changed == 1, f"{role} has {changed} rules for {group}"
    return directory


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[Hub]:
    opened = Hub.open(settings)
    yield opened
    await opened.close()


def field_query(group: str) -> str:
    fields = [entry.key for entry in CATALOGUE.in_group(group)]
    if group == "intelligence":  # the grading tells which reports leave police
        fields.append("IntelligenceReport.grading")
    return f"{{ people(first: 20) {{ edges {{ node {{ id {selection(sorted(set(fields)))} }} }} }} }}"


@pytest.mark.parametrize(("group", "mask"), CASES, ids=[f"{g}-{m}" for g, m in CASES])
async def test_every_catalogued_mask_shows_exactly_its_transform(settings: Settings, hub: Hub, tmp_path: Path,
                                                                  group: str, mask: str) -> None:
    query = field_query(group)
    truth = await GraphClient(create_app(settings, governance=False, hub=hub)).query(query)
    assert "errors" not in truth
    local = settings.model_copy(update=dict(policy_dir=masked_policy(tmp_path / "policy", group, mask)))
    app = create_app(local, hub=hub)
    try:
        token = issue_dev_token(local, user="om-001", agency="probation", roles=[ROLE])
        got = await GraphClient(app).query(query, headers={"authorization": f"Bearer {token}",
                                                           "x-purpose-of-use": PURPOSE})
    finally:
        await app.state.governance.audit.close()
    errors = got.get("errors", [])
    assert all(e["extensions"]["code"] == "FIELD_NOT_SHARED" for e in errors), errors
    real = [e["node"] for e in truth["data"]["people"]["edges"]]
    seen = [e["node"] for e in got["data"]["people"]["edges"]]
    assert [n["id"] for n in seen] == [n["id"] for n in real]
    changed: set[str] = set()
    for i, (r, s) in enumerate(zip(real, seen, strict=True)):
        for key in sorted({entry.key for entry in CATALOGUE.in_group(group)}):
            entry = CATALOGUE.fields[key]
            type_name, name = key.split(".")
            base: list[Any] = ["people", "edges", i, "node"]
            stored: Any
            have: Any
            if type_name == "IntelligenceReport":
                stored = [x[name] for x in leaving_police(dig(r, ["police", "intelligence"]) or [], ROLE)]
                have = [x[name] for x in dig(s, ["police", "intelligence"]) or []]
                where = [[*base, "police", "intelligence", j, name] for j in range(len(stored))]
            else:
                stored, have = dig(r, [*PARENT[type_name], name]), dig(s, [*PARENT[type_name], name])
                if key == "PoliceRecord.intelligence":  # the list itself: the reports that leave police
                    stored = None if stored is None else len(leaving_police(stored, ROLE))
                    have = None if have is None else len(have)
                where = [[*base, *PARENT[type_name], name]]
            if mask not in entry.masks:
                assert have in (None, []) or have == [None] * len(stored), f"{key} leaked under mask {mask}"
                assert not stored or all(covered(errors, w) for w in where), f"{key}: withheld without an error"
                continue
            transform = entry.masks[mask]
            want = stored if transform is None else (
                [through(transform, x) for x in stored] if type_name == "IntelligenceReport"
                else through(transform, stored))
            assert have == want, f"{key} for {r['id']} under mask {mask}"
            if want != stored:
                changed.add(key)
    transformed = {e.key for e in CATALOGUE.in_group(group) if e.masks.get(mask)}
    assert changed == transformed, "each transform must change some value in the sample, or the test proves little"
