"""The schema documents itself: every type, field, argument, input field and enum value has a description,
and each governed field's names its field group and agreement as the policy files say (read here from the
CSV files directly, not through the hub's loaders)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from graphql import get_introspection_query

from hub.core.boroughs import Borough
from schema.graph.build import create_schema
from schema.graph.descriptions import DESCRIPTIONS
from synthetic.london import BOROUGHS

POLICIES = Path(__file__).resolve().parents[2] / "policies"
BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}


def introspected() -> list[dict[str, Any]]:
    result = create_schema().execute_sync(get_introspection_query(descriptions=True, input_value_deprecation=True))
    assert result.errors is None and result.data is not None
    types: list[dict[str, Any]] = result.data["__schema"]["types"]
    return [t for t in types if not t["name"].startswith("__") and t["name"] not in BUILT_IN]


def elements() -> dict[str, str | None]:
    """Every element's key (``Type``, ``Type.field``, ``Type.field(arg)``, ``Enum.VALUE``) and description."""
    found: dict[str, str | None] = {}
    for t in introspected():
        found[t["name"]] = t["description"]
        for f in t["fields"] or []:
            found[f"{t['name']}.{f['name']}"] = f["description"]
            for a in f["args"]:
                found[f"{t['name']}.{f['name']}({a['name']})"] = a["description"]
        for f in t["inputFields"] or []:
            found[f"{t['name']}.{f['name']}"] = f["description"]
        for v in t["enumValues"] or []:
            found[f"{t['name']}.{v['name']}"] = v["description"]
    return found


def rows(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines))


def test_every_element_is_described() -> None:
    found = elements()
    assert len(found) > 450
    assert [key for key, description in found.items() if not (description or "").strip()] == []


def test_every_written_description_names_an_element() -> None:
    assert sorted(set(DESCRIPTIONS) - set(elements())) == []


def test_each_governed_field_names_its_group_and_agreement() -> None:
    group_of = {r["field"]: r["group"] for r in rows(POLICIES / "fields.csv")}
    agreements: dict[str, set[str]] = {}
    for isa in sorted((POLICIES / "agreements").glob("*-isa.csv")):
        for r in rows(isa):
            agreements.setdefault(r["group"], set()).add(r["agreement"])
    found = elements()
    in_schema = [key for key in group_of if key in found]
    assert len(in_schema) >= 60
    for key in in_schema:
        group = group_of[key]
        assert len(agreements[group]) == 1, group  # each group belongs to one agreement
        expected = f"Field group `{group}` ({next(iter(agreements[group]))})."
        assert (found[key] or "").endswith(expected), (key, found[key])
    assert found["ProbationRecord.roshLevel"].endswith("Field group `risk` (Probation ISA).")  # type: ignore[union-attr]
    # A field outside the catalogue claims no group.
    assert not any("Field group" in (found[k] or "") for k in found if k not in group_of)


def test_agency_records_name_their_agreement() -> None:
    found = elements()
    for field, agreement in (("police", "Police ISA"), ("probation", "Probation ISA"), ("housing", "Housing ISA"),
                             ("treatment", "Treatment ISA"), ("employment", "Employment ISA")):
        assert agreement in (found[f"Person.{field}"] or ""), field


def test_boroughs_are_the_london_boroughs_the_agencies_store() -> None:
    assert sorted(b.value for b in Borough) == sorted(BOROUGHS)
    assert len(Borough) == 33  # the 32 boroughs and the City
    for b in Borough:  # the GraphQL name is the stored name in upper snake case, and says it
        assert b.name == b.value.upper().replace(" ", "_")
    found = elements()
    assert found["Borough.CITY_OF_LONDON"] == "City of London"


def test_policy_vocabularies_are_enums_named_in_upper_snake_case() -> None:
    found = elements()
    for file, column, enum in (("roles.csv", "role", "Role"), ("purposes.csv", "purpose", "Purpose")):
        values = {r[column] for r in rows(POLICIES / "agreements" / file)}
        assert {k.split(".", 1)[1] for k in found if k.startswith(f"{enum}.")} == \
            {v.upper().replace("-", "_") for v in values}
