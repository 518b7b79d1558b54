"""Community drug and alcohol service records, NDTMS-style. Keyed by NHS number."""

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Integer, MetaData, String, Table

metadata = MetaData()

treatment_client = Table(
    "treatment_client",
    metadata,
    Column("nhs_number", String(10), primary_key=True),
    Column("surname", String(60), nullable=False),
    Column("forenames", String(80), nullable=False),
    Column("date_of_birth", Date, nullable=False),
    Column("service", String(80), nullable=False),
    Column("keyworker_id", String(32), index=True),
    # the prison healthcare team caring for the client in custody and through the handover after
    # release (the establishment's team); NULL in the community
    Column("prison_healthcare_team", String(32), index=True),
    # the latest release from custody as the prison healthcare handover recorded it (the service
    # does not know release dates otherwise); NULL when no release was handed over
    Column("released_on", Date),
)

consent = Table(
    "consent",
    metadata,
    Column("consent_id", Integer, primary_key=True),
    Column("nhs_number", String(10), ForeignKey("treatment_client.nhs_number"), nullable=False, index=True),
    # the agency the client agreed may be told of engagement: probation | police | housing
    Column("share_with", String(12), nullable=False),
    Column("recorded_on", Date, nullable=False),
    Column("withdrawn_on", Date),
)

episode = Table(
    "episode",
    metadata,
    Column("episode_id", Integer, primary_key=True),
    Column("nhs_number", String(10), ForeignKey("treatment_client.nhs_number"), nullable=False, index=True),
    # opiates | crack | cocaine | alcohol | cannabis | benzodiazepines | other
    Column("substance", String(16), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date),
    # completed | dropped_out | transferred | in_custody | declined
    Column("discharge_reason", String(16)),
)

ost_prescription = Table(
    "ost_prescription",
    metadata,
    Column("prescription_id", Integer, primary_key=True),
    Column("nhs_number", String(10), ForeignKey("treatment_client.nhs_number"), nullable=False, index=True),
    # methadone | buprenorphine
    Column("medication", String(16), nullable=False),
    Column("daily_dose_mg", Integer, nullable=False),
    Column("prescriber", String(80), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date),
)

treatment_requirement = Table(
    "treatment_requirement",
    metadata,
    Column("requirement_id", Integer, primary_key=True),
    Column("nhs_number", String(10), ForeignKey("treatment_client.nhs_number"), nullable=False, index=True),
    # DRR | ATR | MHTR
    Column("kind", String(4), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
)

appointment = Table(
    "appointment",
    metadata,
    Column("appointment_id", Integer, primary_key=True),
    Column("nhs_number", String(10), ForeignKey("treatment_client.nhs_number"), nullable=False, index=True),
    Column("scheduled_at", DateTime, nullable=False),
    # assessment | keywork | prescribing | review
    Column("kind", String(12), nullable=False),
    Column("attended", Boolean),
)
