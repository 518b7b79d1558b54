from schema.graph.build import SDL_PATH, sdl


def test_checked_in_sdl_matches_the_code() -> None:
    current = sdl()
    assert SDL_PATH.read_text() == current, (
        "schema/schema.graphql is out of date: run `.venv/bin/python -m schema.graph.build > schema/schema.graphql`"
    )


def test_every_agency_field_is_nullable_so_a_withheld_value_can_be_null() -> None:
    from schema.graph.build import create_schema

    gql = create_schema()._schema
    for type_name in ("PoliceRecord", "ProbationRecord", "HousingRecord", "TreatmentRecord", "Identifiers",
                      "IntelligenceReport"):
        t = gql.type_map[type_name]
        for name, f in t.fields.items():  # type: ignore[attr-defined]
            assert not str(f.type).endswith("!"), f"{type_name}.{name} must be nullable"
