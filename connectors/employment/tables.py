"""The employment and skills service's tables. Keyed by National Insurance number."""

from sqlalchemy import Column, Date, ForeignKey, Integer, MetaData, String, Table

metadata = MetaData()

employment_adviser = Table(
    "employment_adviser",
    metadata,
    Column("adviser_id", String(32), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("office", String(80), nullable=False),
    Column("phone", String(20), nullable=False),
)

employment_client = Table(
    "employment_client",
    metadata,
    Column("ni_number", String(9), primary_key=True),
    Column("surname", String(60), nullable=False),
    Column("forenames", String(80), nullable=False),
    Column("date_of_birth", Date, nullable=False),
    # employed | self_employed | unemployed_claiming | not_seeking
    Column("status", String(24), nullable=False, index=True),
    Column("status_since", Date, nullable=False),
    Column("adviser_id", String(32), ForeignKey("employment_adviser.adviser_id"), index=True),
    Column("released_on", Date),
)

ete_referral = Table(
    "ete_referral",
    metadata,
    Column("referral_id", Integer, primary_key=True),
    Column("ni_number", String(9), ForeignKey("employment_client.ni_number"), nullable=False, index=True),
    # education | training | employment
    Column("kind", String(12), nullable=False),
    Column("referred_on", Date, nullable=False),
    Column("started_on", Date),
    # open | started | closed
    Column("status", String(8), nullable=False),
)

job = Table(
    "job",
    metadata,
    Column("job_id", Integer, primary_key=True),
    Column("ni_number", String(9), ForeignKey("employment_client.ni_number"), nullable=False, index=True),
    Column("employer", String(120), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
    Column("hours_per_week", Integer, nullable=False),
)
