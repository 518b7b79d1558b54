"""A caller's people filter as each agency's own criteria, from the filters the registered agencies declare.

Each agency answers the filters it declares (connectors/<agency>/graphql.py: ``FILTERS`` and ``criteria``);
this is where a filter's values are checked (a clear BAD_USER_INPUT for an impossible one) and split into
the criteria each agency's connector answers.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from connectors.agency_package import AgencyPackage
from connectors.registry import AGENCIES
from hub.core.errors import BadUserInput
from hub.services.people import PeopleQuery
from schema.governance.agency_graph import PeopleFilterField

#: Every registered agency's people filters, by name, with the agency answering each.
FILTERS: dict[str, tuple[AgencyPackage, PeopleFilterField]] = {
    f.name: (package, f) for package in AGENCIES for f in package.graph.filters}
#: filter name -> the governed field it reads (filtering by it needs the same access as reading it)
FILTER_FIELDS: dict[str, str] = {name: f.field_key for name, (_, f) in FILTERS.items()}
#: Filters that test more of their field than a mask leaves: refused where the field is released only masked.
UNMASKED_ONLY: frozenset[str] = frozenset(name for name, (_, f) in FILTERS.items() if f.unmasked)
#: At most this many ``anyOf`` branches, and no ``anyOf`` within a branch: an OR is answered by
#: resolving every branch's matches, so its cost grows with them.
MAX_BRANCHES = 8


def to_query(values: Mapping[str, Any], among: frozenset[str] | None = None) -> PeopleQuery:
    """The agencies to ask and what to ask each, for the filters set (by name; None: not set)."""
    given = {name: value for name, value in values.items() if value is not None}
    for name, value in given.items():
        if name not in FILTERS:
            raise BadUserInput(f"no agency answers the filter `{name}`", argument="filter")
        if isinstance(value, list | set | frozenset | tuple) and not value:
            raise BadUserInput(f"filter list `{name}` is empty: omit it to match everyone", argument="filter")
    asked: list[tuple[str, Hashable]] = []
    for package in AGENCIES:
        criteria = package.graph.criteria
        mine = {f.name: given[f.name] for f in package.graph.filters if f.name in given}
        if mine and criteria is not None and (found := criteria(mine)) is not None:
            asked.append((package.name, found))
    return PeopleQuery(tuple(asked), among)
