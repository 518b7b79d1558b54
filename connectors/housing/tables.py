"""The local-authority housing options system's tables. Keyed by housing reference."""

from sqlalchemy import Column, Date, ForeignKey, Integer, MetaData, String, Table

metadata = MetaData()

housing_client = Table(
    "housing_client",
    metadata,
    Column("housing_ref", String(10), primary_key=True),
    Column("surname", String(60), nullable=False),
    Column("forenames", String(80), nullable=False),
    Column("date_of_birth", Date, nullable=False),
    Column("uprn", String(12)),
    Column("address_line", String(120)),
    Column("postcode", String(8)),
    # borough of residence; for NFA and rough sleeping, the last borough that manages the case
    Column("borough", String(40), nullable=False, index=True),
    # settled | transient | approved_premises | temporary | nfa | rough_sleeping
    Column("accommodation_status", String(20), nullable=False, index=True),
    Column("status_since", Date, nullable=False),
    # none | prevention | relief | main_duty
    Column("duty_stage", String(12), nullable=False),
    Column("housing_officer_id", String(32), index=True),
)

duty_to_refer = Table(
    "duty_to_refer",
    metadata,
    Column("referral_id", Integer, primary_key=True),
    Column("housing_ref", String(10), ForeignKey("housing_client.housing_ref"), nullable=False, index=True),
    Column("referred_on", Date, nullable=False),
    # probation | prison | police | hospital | jobcentre
    Column("referring_agency", String(20), nullable=False),
    # received | accepted | closed
    Column("status", String(10), nullable=False),
)

placement = Table(
    "placement",
    metadata,
    Column("placement_id", Integer, primary_key=True),
    Column("housing_ref", String(10), ForeignKey("housing_client.housing_ref"), nullable=False, index=True),
    # transitional | approved_premises | temporary | supported
    Column("kind", String(20), nullable=False),
    Column("provider", String(80), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
)

# The accommodation history: each status a client has been recorded in, from the day it began to the last
# day it held (both included; the current one open, ``ends_on`` null). Spells never overlap; a gap is a
# time housing knows nothing of (before the client was known, or in custody). The open spell is the
# client's ``accommodation_status`` and ``status_since``; a placement is a spell of its kind, same days.
accommodation_spell = Table(
    "accommodation_spell",
    metadata,
    Column("spell_id", Integer, primary_key=True),
    Column("housing_ref", String(10), ForeignKey("housing_client.housing_ref"), nullable=False, index=True),
    # as housing_client.accommodation_status
    Column("status", String(20), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
)
