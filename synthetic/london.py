"""London geography and services the generator draws from: boroughs with their postcode districts.

Weights are rough relative sizes of each borough's probation caseload; the City of London is tiny
(the City IOM review found none of its 26 cases lived there).
"""

from __future__ import annotations

from typing import Final

#: borough -> (relative weight, postcode districts in it)
BOROUGHS: Final[dict[str, tuple[int, tuple[str, ...]]]] = {
    "Barking and Dagenham": (4, ("IG11", "RM8", "RM9", "RM10")),
    "Barnet": (4, ("N2", "N3", "NW4", "NW9", "EN5")),
    "Bexley": (3, ("DA5", "DA6", "DA7", "DA14")),
    "Brent": (5, ("NW2", "NW10", "HA0", "HA9")),
    "Bromley": (3, ("BR1", "BR2", "BR5", "BR6")),
    "Camden": (4, ("NW1", "NW5", "NW6", "WC1H")),
    "City of London": (0, ("EC2V", "EC3N", "EC4M")),
    "Croydon": (6, ("CR0", "CR2", "CR7", "SE25")),
    "Ealing": (4, ("W3", "W5", "W13", "UB1")),
    "Enfield": (5, ("EN1", "EN3", "N9", "N18")),
    "Greenwich": (4, ("SE2", "SE7", "SE10", "SE18")),
    "Hackney": (6, ("E5", "E8", "E9", "N16")),
    "Hammersmith and Fulham": (3, ("W6", "W12", "W14", "SW6")),
    "Haringey": (5, ("N8", "N15", "N17", "N22")),
    "Harrow": (2, ("HA1", "HA2", "HA3")),
    "Havering": (3, ("RM1", "RM3", "RM7", "RM12")),
    "Hillingdon": (3, ("UB3", "UB4", "UB8", "UB10")),
    "Hounslow": (3, ("TW3", "TW4", "TW5", "TW7")),
    "Islington": (4, ("N1", "N4", "N7", "N19")),
    "Kensington and Chelsea": (2, ("W8", "W10", "W11", "SW10")),
    "Kingston upon Thames": (2, ("KT1", "KT2", "KT6")),
    "Lambeth": (6, ("SE11", "SW2", "SW8", "SW9")),
    "Lewisham": (5, ("SE4", "SE6", "SE13", "SE14")),
    "Merton": (2, ("SW19", "CR4", "SM4")),
    "Newham": (6, ("E6", "E7", "E13", "E15")),
    "Redbridge": (3, ("IG1", "IG2", "IG4", "E18")),
    "Richmond upon Thames": (1, ("TW1", "TW9", "TW10")),
    "Southwark": (6, ("SE1", "SE5", "SE15", "SE17")),
    "Sutton": (2, ("SM1", "SM2", "SM3")),
    "Tower Hamlets": (6, ("E1", "E2", "E3", "E14")),
    "Waltham Forest": (4, ("E4", "E10", "E11", "E17")),
    "Wandsworth": (5, ("SW11", "SW12", "SW17", "SW18")),
    "Westminster": (4, ("W1D", "W2", "SW1V", "NW8")),
}

#: The City of London still appears occasionally: at a tenth of the smallest borough's weight.
CITY_WEIGHT: Final = 0.1

STREET_NAMES: Final = (
    "High Street", "Station Road", "Church Road", "Park Road", "Victoria Road", "Green Lane",
    "Manor Road", "Kings Road", "Queens Road", "Mill Lane", "New Road", "Grove Road", "Albert Road",
    "London Road", "Springfield Road", "Warwick Road", "Richmond Road", "Windsor Road", "York Road",
    "Cedar Close", "Elm Grove", "Oak Avenue", "Willow Way", "Chestnut Court", "Beech Terrace",
)

CUSTODY_SUITES: Final = (
    "Brixton", "Croydon", "Lewisham", "Stoke Newington", "Wembley", "Bethnal Green", "Forest Gate",
    "Leyton", "Tottenham", "Islington", "Charing Cross", "Walworth", "Colindale", "Bexleyheath",
)

PROBATION_TEAMS: Final = ("Community Team", "Custody Team", "IOM Team", "Public Protection Team", "Courts Team")

TREATMENT_SERVICES: Final = (
    "Recovery Service", "Drug and Alcohol Service", "Substance Misuse Service", "Wellbeing and Recovery Hub",
)

HOUSING_PROVIDERS: Final = (
    "Transitional Accommodation Service", "Approved Premises", "Supported Housing Trust", "Emergency Accommodation",
)

PRESCRIBERS: Final = ("Dr A. Patel", "Dr J. Okafor", "Dr S. Nowak", "Dr R. Hughes", "Dr M. Begum", "Dr T. Silva")

#: Prisons London's people are held in and released from: the London establishments and the
#: national ones (women's and the nearest long-term prisons) that release to London, with rough weights.
ESTABLISHMENTS: Final[dict[str, int]] = {
    "HMP Pentonville": 14,
    "HMP Wandsworth": 14,
    "HMP Brixton": 8,
    "HMP Thameside": 12,
    "HMP Belmarsh": 7,
    "HMP Wormwood Scrubs": 12,
    "HMP Isis": 6,
    "HMP Bronzefield": 5,
    "HMP Downview": 3,
    "HMP High Down": 7,
    "HMP Coldingley": 2,
    "HMP Elmley": 5,
    "HMP The Mount": 3,
    "HMP Highpoint": 2,
}
#: Of those, the women's prisons: women are held and released there, men elsewhere.
WOMENS_ESTABLISHMENTS: Final = frozenset({"HMP Bronzefield", "HMP Downview"})


def establishments_for(sex: str) -> tuple[list[str], list[int]]:
    """The establishments that hold people of this sex ("F" or "M"), with their weights."""
    held = [(name, weight) for name, weight in ESTABLISHMENTS.items()
            if (name in WOMENS_ESTABLISHMENTS) == (sex == "F")]
    return [name for name, _ in held], [weight for _, weight in held]
