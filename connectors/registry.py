"""The agencies of the partnership: one line each. Everything agency by agency is derived from here.

Settings (``HUB_<AGENCY>_DB``), the Person type, loaders, counts, referrals, identifier lookups, tokens'
agency claims, seeding and the bench read this tuple; an agency's own package holds the rest (connectors/
<agency>/), and its agreement rows live under policies/agreements/.
"""

from connectors import employment, housing, police, probation, treatment
from connectors.agency_package import AgencyPackage
from hub.core.agency import Scheme

AGENCIES: tuple[AgencyPackage, ...] = (
    police.PACKAGE,
    probation.PACKAGE,
    housing.PACKAGE,
    treatment.PACKAGE,
    employment.PACKAGE,
)


def named(name: str) -> AgencyPackage:
    return next(a for a in AGENCIES if a.name == name)


#: Every identifier scheme the registered agencies key or hold records by, by name.
SCHEMES: dict[str, Scheme] = {s.name: s for a in AGENCIES for s in a.agency.schemes}


def validate(scheme: str, value: str) -> str:
    """The canonical form of ``value`` in ``scheme``, or BAD_USER_INPUT naming what is wrong."""
    return SCHEMES[scheme].validate(value)
