"""The person index: the hub's own crosswalk from a hub person id to each agency's identifiers.

Which agency records are the same person is itself data the hub holds and shares under the
agreements. Name and date of birth here are the linked identity the index matched on.
"""

from sqlalchemy import Column, Date, ForeignKey, Index, MetaData, String, Table

metadata = MetaData()

person = Table(
    "person",
    metadata,
    # "H" + 8 digits: opaque, hub-wide, never an agency identifier
    Column("person_id", String(9), primary_key=True),
    Column("surname", String(60), nullable=False),
    Column("forenames", String(80), nullable=False),
    Column("date_of_birth", Date, nullable=False),
    # record matching links new agency records on surname and date of birth (migration 0002)
    Index("ix_person_surname_dob", "surname", "date_of_birth"),
)

person_link = Table(
    "person_link",
    metadata,
    Column("person_id", String(9), ForeignKey("person.person_id"), nullable=False),
    # an IdentifierScheme value: pncId | croNumber | crn | prisonNumber | nhsNumber | housingReference
    Column("scheme", String(20), primary_key=True),
    Column("value", String(16), primary_key=True),
    # resolving identifiers to person ids reads this index alone (migration 0004)
    Index("ix_person_link_resolve", "scheme", "value", "person_id"),
    # a person's identifiers, read from this index alone (migration 0005)
    Index("ix_person_link_person", "person_id", "scheme", "value"),
)
