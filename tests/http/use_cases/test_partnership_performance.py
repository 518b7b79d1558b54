"""Use case 8, partnership performance: the README's query for the board's outcome measures, checked
against the measures worked out again from the seeded rows (tests/http/outcome_truth.py)."""

from __future__ import annotations

from tests.http.conftest import Governed
from tests.http.outcome_truth import truth
from tests.http.use_cases import readme

#: alias -> (measure, period, breakdowns) as the README's query asks them
ASKED = {"housed": ("HOUSED_ON_RELEASE_NIGHT", None, ["BOROUGH"]),
         "settled": ("SETTLED_ACCOMMODATION_3_MONTHS", None, []),
         "employed6Weeks": ("EMPLOYED_6_WEEKS", None, []), "employed6Months": ("EMPLOYED_6_MONTHS", None, []),
         "treatment": ("TREATMENT_WITHIN_21_DAYS", None, []),
         "treatment2024": ("TREATMENT_WITHIN_21_DAYS", "FY2024/25", []),
         "reoffending": ("PROVEN_REOFFENDING_12_MONTHS", None, ["IOM_COHORT"])}


async def test_the_board_gets_each_outcome_with_small_cells_suppressed(governed: Governed) -> None:
    data = await readme.ask(governed, "8")
    seeded = await truth(governed.settings)
    assert set(data) == set(ASKED)
    withheld = 0
    for alias, (measure, period, by) in ASKED.items():
        table = data[alias]
        assert (table["measure"], table["period"], table["threshold"]) == (measure, period, 5)
        expected = seeded.counts(measure, period, by)
        assert sum(expected.values()) >= (20 if period is None else 1), measure  # worth reporting
        got = {(*(b["value"] for b in c["breakdown"]), c["value"]): c["count"] for c in table["cells"]}
        assert set(got) == set(expected), alias
        for key, n in got.items():
            assert n in (expected[key], None), (alias, key)  # shown as counted, or withheld
            assert n is None or expected[key] >= 5, (alias, key)  # never a small number
        assert table["total"] in (sum(expected.values()), None)
        withheld += sum(n is None for n in got.values())
    assert withheld > 0  # a borough breakdown of a year's releases has small cells
