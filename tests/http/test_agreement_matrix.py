"""``agreementMatrix``: the agreements in force, cell by cell, for information governance only."""

from __future__ import annotations

import csv
from pathlib import Path

from policies.loader import PACKAGED
from tests.http.conftest import Governed

MATRIX = "query($role: Role) { agreementMatrix(role: $role) { role purpose group effect condition clause } }"


def rows_of(role: str, purpose: str) -> dict[str, tuple[str, str, str]]:
    """The agreement files' rows for a role under a purpose (a purpose-specific row before a ``*`` one)."""
    found: dict[str, tuple[str, str, str]] = {}
    for path in sorted((PACKAGED / "agreements").glob("*-isa.csv")):
        lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
        for row in csv.DictReader(lines):
            mine = row["role"] == role and row["purpose"] in (purpose, "*")
            if mine and (row["group"] not in found or row["purpose"] == purpose):
                found[row["group"]] = (row["effect"], row["condition"] or "", row["clause"])
    return found


async def test_the_matrix_is_the_agreement_files_rows(governed: Governed) -> None:
    answer = await governed.ask(MATRIX, {"role": "VICTIM_LIAISON"}, role="ig-officer", purpose="audit",
                                justification="agreement review")
    assert "errors" not in answer, answer
    cells = answer["data"]["agreementMatrix"]
    assert {(c["role"], c["purpose"]) for c in cells} == {("victim-liaison", "victim-contact")}
    expected = rows_of("victim-liaison", "victim-contact")
    got = {c["group"]: (c["effect"].replace(" (aggregate)", ""), c["condition"], c["clause"]) for c in cells
           if c["effect"] != "deny (no rule)"}
    assert got == expected
    everyone = await governed.ask(MATRIX, role="ig-officer", purpose="audit", justification="agreement review")
    assert {c["role"] for c in everyone["data"]["agreementMatrix"]} >= {"victim-liaison", "mappa-coordinator",
                                                                          "prison-healthcare"}


async def test_only_information_governance_may_read_it(governed: Governed) -> None:
    refused = await governed.ask(MATRIX, role="probation-practitioner", purpose="iom")
    assert refused["data"]["agreementMatrix"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_the_reader_here_is_not_the_hub_s(tmp_path: Path) -> None:
    assert rows_of("victim-liaison", "victim-contact")["release"] == ("allow", "victim_case", "PROB-ISA 6.5")
