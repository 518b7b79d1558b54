"""The probation system's tables, shaped like nDelius with OASys scores and NOMIS prison data.

Keyed by CRN; PNC ID and prison number are held as the agency holds them.
"""

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, MetaData, String, Table

metadata = MetaData()

offender_manager = Table(
    "offender_manager",
    metadata,
    Column("staff_code", String(32), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("team", String(80), nullable=False),
    Column("borough", String(40), nullable=False),
    Column("email", String(120), nullable=False),
    Column("phone", String(20), nullable=False),
)

offender = Table(
    "offender",
    metadata,
    Column("crn", String(7), primary_key=True),
    Column("pnc_id", String(13), index=True),
    Column("prison_number", String(7), index=True),
    Column("surname", String(60), nullable=False),
    Column("forenames", String(80), nullable=False),
    Column("date_of_birth", Date, nullable=False),
    # A1..D3 (nDelius tiering)
    Column("tier", String(2), nullable=False),
    # OGRS: two-year proven reoffending probability, 0-99 (%)
    Column("ogrs_score", Integer, nullable=False, index=True),
    # low | medium | high | very_high
    Column("rosh_level", String(10), nullable=False),
    Column("mappa_category", Integer),
    Column("mappa_level", Integer, index=True),
    # the next MAPPA meeting to review the case (level 1 quarterly); NULL outside MAPPA
    Column("mappa_next_review", Date),
    # the MAPPA coordinator who reviews the case: MAPPA's review list, held by probation for level 1 cases
    # (managed by one agency, reviewed quarterly by the area's coordinator); NULL otherwise
    Column("mappa_coordinator_id", String(32), index=True),
    # registered as a domestic-abuse perpetrator (nDelius register flag)
    Column("domestic_abuse_perpetrator", Boolean, nullable=False, server_default="false"),
    # community | custody | licence
    Column("custody_status", String(10), nullable=False),
    Column("offender_manager_code", String(32), ForeignKey("offender_manager.staff_code"), index=True),
)

sentence = Table(
    "sentence",
    metadata,
    Column("sentence_id", Integer, primary_key=True),
    Column("crn", String(7), ForeignKey("offender.crn"), nullable=False, index=True),
    # custodial | community_order | suspended_sentence
    Column("kind", String(20), nullable=False),
    Column("offence", String(120), nullable=False),
    Column("sentenced_on", Date, nullable=False),
    Column("length_months", Integer, nullable=False),
    Column("release_date", Date, index=True),
    # automatic_conditional | home_detention_curfew | early_release | parole | sentence_expiry
    Column("release_type", String(24)),
    # the prison released from (NOMIS), and the day the release was decided: its notice is the gap
    Column("release_establishment", String(60)),
    Column("release_decided_on", Date),
    Column("licence_end_date", Date),
    Column("recalled_on", Date),
    Column("breached_on", Date),
)

licence_condition = Table(
    "licence_condition",
    metadata,
    Column("condition_id", Integer, primary_key=True),
    Column("crn", String(7), ForeignKey("offender.crn"), nullable=False, index=True),
    # curfew | exclusion_zone | electronic_monitoring | residence | non_contact | drug_testing
    Column("kind", String(24), nullable=False),
    Column("description", String(300), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
)

referral = Table(
    "referral",
    metadata,
    Column("referral_id", Integer, primary_key=True),
    Column("crn", String(7), ForeignKey("offender.crn"), nullable=False, index=True),
    # accommodation | education_training_employment | health | drugs_alcohol | finance_benefit_debt
    # | children_families | attitudes_thinking_behaviour
    Column("pathway", String(32), nullable=False),
    Column("referred_on", Date, nullable=False),
    Column("open", Boolean, nullable=False),
)

victim_case = Table(
    "victim_case",
    metadata,
    Column("case_id", Integer, primary_key=True),
    Column("crn", String(7), ForeignKey("offender.crn"), nullable=False, index=True),
    # the victim liaison officer's user id: the "victim's case" condition in the agreements
    Column("liaison_officer_id", String(32), nullable=False, index=True),
    # victim_contact_scheme | vawg
    Column("scheme", String(24), nullable=False),
    Column("domestic_abuse", Boolean, nullable=False),
    Column("opened_on", Date, nullable=False),
)
