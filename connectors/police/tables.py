"""The police system's tables, shaped like PNC plus local custody and intelligence systems.

Keyed by PNC ID. The hub reads these; it never migrates an agency's database (the synthetic
data generator creates them for the embedded default only).
"""

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Integer, MetaData, String, Table

metadata = MetaData()

officer = Table(
    "officer",
    metadata,
    Column("officer_id", String(32), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("borough", String(40), nullable=False),
    Column("phone", String(20), nullable=False),
)

nominal = Table(
    "nominal",
    metadata,
    Column("pnc_id", String(13), primary_key=True),
    Column("cro_number", String(10), index=True),
    Column("surname", String(60), nullable=False),
    Column("forenames", String(80), nullable=False),
    Column("date_of_birth", Date, nullable=False),
    Column("sex", String(1), nullable=False),
    # fixed | flex | free, or NULL when not in the IOM cohort
    Column("iom_cohort", String(5), index=True),
    Column("iom_officer_id", String(32), ForeignKey("officer.officer_id"), index=True),
)

arrest = Table(
    "arrest",
    metadata,
    Column("arrest_id", Integer, primary_key=True),
    Column("pnc_id", String(13), ForeignKey("nominal.pnc_id"), nullable=False, index=True),
    Column("arrested_at", DateTime, nullable=False, index=True),
    Column("offence_code", String(12), nullable=False),
    Column("offence", String(120), nullable=False),
    Column("custody_suite", String(60), nullable=False),
    # charged | bailed | released_under_investigation | no_further_action | caution | remanded
    Column("outcome", String(32), nullable=False),
    # the court's result for a charge, as PNC records it: convicted or not; NULL while no result is known
    Column("convicted", Boolean),
)

intelligence_report = Table(
    "intelligence_report",
    metadata,
    Column("report_id", Integer, primary_key=True),
    Column("pnc_id", String(13), ForeignKey("nominal.pnc_id"), nullable=False, index=True),
    Column("recorded_at", DateTime, nullable=False),
    # 3x5x2 grading: source evaluation 1-3, intelligence assessment A-E, handling code P or C
    Column("source_evaluation", String(1), nullable=False),
    Column("intelligence_assessment", String(1), nullable=False),
    Column("handling_code", String(1), nullable=False),
    Column("summary", String(200), nullable=False),
    Column("detail", String(2000), nullable=False),
)

warning_marker = Table(
    "warning_marker",
    metadata,
    Column("marker_id", Integer, primary_key=True),
    Column("pnc_id", String(13), ForeignKey("nominal.pnc_id"), nullable=False, index=True),
    # violence | weapons | drugs | self_harm | escaper | mental_health
    Column("marker", String(20), nullable=False),
    Column("recorded_on", Date, nullable=False),
)
