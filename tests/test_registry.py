"""The registry is the one list of agencies: everything agency by agency agrees with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLObjectType, get_named_type

from connectors.registry import AGENCIES, SCHEMES
from hub.core.errors import ConfigurationError
from hub.core.settings import Settings
from hub.web.runtime import Hub
from policies.loader import PACKAGED, load_policy
from policies.vocabulary import AGENCIES as TOKEN_AGENCIES
from schema.governance.strawberry_adapter import graphql_schema
from schema.graph.build import create_schema
from schema.graph.types.counts import MEASURES


def test_each_registered_agency_has_its_agreement_and_its_roles() -> None:
    names = [a.name for a in AGENCIES]
    assert len(set(names)) == len(names)
    # Tokens may name the registered agencies and the partnership (shared identity, analysts), nothing else.
    assert set(TOKEN_AGENCIES) == {*names, "partnership"}
    policy = load_policy(PACKAGED)
    for name in names:
        assert (PACKAGED / "agreements" / f"{name}-isa.csv").is_file(), name
        assert any(name in held for held in policy.agreements.roles.held.values()), f"no role is {name}'s"


def test_each_agency_is_a_person_field_of_its_record_type_with_its_lists_and_catalogued_fields() -> None:
    schema = graphql_schema(create_schema())
    person = schema.get_type("Person")
    assert isinstance(person, GraphQLObjectType)
    catalogue = load_policy(PACKAGED).catalogue.fields
    for package in AGENCIES:
        agency = package.agency
        assert get_named_type(person.fields[agency.name].type).name == agency.record_type
        record = schema.get_type(agency.record_type)
        assert isinstance(record, GraphQLObjectType)
        assert set(agency.lists) <= set(record.fields), agency.name
        for field in record.fields:
            key = f"{agency.record_type}.{field}"
            assert key in catalogue and catalogue[key].owner == agency.name, key
        for measure, field in agency.measures.items():
            assert field in record.fields and MEASURES[measure].field_key == f"{agency.record_type}.{field}"


def test_identifier_schemes_belong_to_one_agency_each_and_key_its_records() -> None:
    owned = [s.name for a in AGENCIES for s in a.agency.schemes]
    assert len(owned) == len(set(owned)) == len(SCHEMES)
    catalogue = load_policy(PACKAGED).catalogue.fields
    for package in AGENCIES:
        for scheme in package.agency.schemes:
            assert catalogue[f"Identifiers.{scheme.name}"].owner == package.name, scheme.name


def test_a_database_for_an_agency_not_registered_is_refused(tmp_path: Path) -> None:
    settings = Settings.from_env({"HUB_DATA_DIR": str(tmp_path), "HUB_ENV": "test",
                                  "HUB_FIRESERVICE_DB": f"sqlite+aiosqlite:///{tmp_path}/fire.db"})
    with pytest.raises(ConfigurationError, match="HUB_FIRESERVICE_DB names no registered agency"):
        Hub.open(settings)
