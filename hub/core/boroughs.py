"""The London boroughs: the 32 boroughs and the City of London, as the partnership's systems name them.

GraphQL names each ``BARKING_AND_DAGENHAM``...; the value is the name the agencies' systems store
("Barking and Dagenham"). A closed set fixed by the London Government Act 1963 (the City is not a
borough but is managed as one), so a misspelt borough in a filter is refused, not silently unmatched.
"""

from __future__ import annotations

from enum import Enum


class Borough(Enum):
    BARKING_AND_DAGENHAM = "Barking and Dagenham"
    BARNET = "Barnet"
    BEXLEY = "Bexley"
    BRENT = "Brent"
    BROMLEY = "Bromley"
    CAMDEN = "Camden"
    CITY_OF_LONDON = "City of London"
    CROYDON = "Croydon"
    EALING = "Ealing"
    ENFIELD = "Enfield"
    GREENWICH = "Greenwich"
    HACKNEY = "Hackney"
    HAMMERSMITH_AND_FULHAM = "Hammersmith and Fulham"
    HARINGEY = "Haringey"
    HARROW = "Harrow"
    HAVERING = "Havering"
    HILLINGDON = "Hillingdon"
    HOUNSLOW = "Hounslow"
    ISLINGTON = "Islington"
    KENSINGTON_AND_CHELSEA = "Kensington and Chelsea"
    KINGSTON_UPON_THAMES = "Kingston upon Thames"
    LAMBETH = "Lambeth"
    LEWISHAM = "Lewisham"
    MERTON = "Merton"
    NEWHAM = "Newham"
    REDBRIDGE = "Redbridge"
    RICHMOND_UPON_THAMES = "Richmond upon Thames"
    SOUTHWARK = "Southwark"
    SUTTON = "Sutton"
    TOWER_HAMLETS = "Tower Hamlets"
    WALTHAM_FOREST = "Waltham Forest"
    WANDSWORTH = "Wandsworth"
    WESTMINSTER = "Westminster"


def borough_of(name: str | None) -> Borough | None:
    """The borough a system's stored name stands for (None: none recorded)."""
    return Borough(name) if name is not None else None
