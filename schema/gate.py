"""Applying the planned sharing decisions to the records a query touches.

One ``Gate`` per request. The policy layer has already planned, for the caller's roles and
purpose, one decision per governed field (a dict lookup). Here each agency record is judged
once for everything selected beneath it: static decision, then per-row conditions checked as
set lookups (own caseload or cohort, victim's case) or against the record (consent). What was
disclosed, masked and withheld is kept in a ``Ledger`` for the errors and the audit record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from hub.errors import BadUserInput
from schema.selection import RawInfo, Selection, selected


class Decision(Protocol):
    @property
    def effect(self) -> str: ...  # allow | mask | deny
    @property
    def visible(self) -> bool: ...
    @property
    def transform(self) -> str | None: ...
    @property
    def condition(self) -> str | None: ...  # None | caseload | consent | victim_case | caseload+consent
    @property
    def clause(self) -> str: ...
    @property
    def agreement(self) -> str: ...
    @property
    def legal_basis(self) -> str: ...
    @property
    def mask(self) -> str | None: ...

    @property
    def aggregate(self) -> bool: ...  # usable in aggregate outputs even where records are withheld


class Plan(Protocol):
    def field(self, field_key: str) -> Decision: ...


class Conditions(Protocol):
    """Per-request facts the row conditions are checked against."""

    @property
    def agency(self) -> str: ...
    async def caseload(self) -> frozenset[str]: ...
    async def victim_cases(self) -> frozenset[str]: ...
    async def relationship(self) -> frozenset[str]: ...
    def cached(self, kind: str) -> frozenset[str] | None: ...


#: Pending consent: the record is not loaded yet, so consent-conditioned fields still may show.
PENDING: frozenset[str] = frozenset({"\x00pending"})

#: Row conditions checked against a set of people: the reason given when a person is not in it, and
#: the ``Conditions`` method that loads the set.
SETS = {"caseload": ("not on caseload", "caseload"), "victim_case": ("not the victim's case", "victim_cases"),
        "relationship": ("no legitimate relationship", "relationship")}
#: ``_condition_fails``: the condition's set is not loaded yet, so the verdict has to wait for it.
UNKNOWN = "\x00unknown"

#: Identifiers belong to the agency that issues them; the rest of the linked identity is the index's.
IDENTIFIER_OWNER = {
    "Identifiers.pncId": "police",
    "Identifiers.croNumber": "police",
    "Identifiers.crn": "probation",
    "Identifiers.prisonNumber": "probation",
    "Identifiers.nhsNumber": "treatment",
    "Identifiers.housingReference": "housing",
}

OWNER = {
    "Person": "identity",
    "Identifiers": "identity",
    "PoliceRecord": "police",
    "IntelligenceReport": "police",
    "ProbationRecord": "probation",
    "HousingRecord": "housing",
    "TreatmentRecord": "treatment",
}


@dataclass(frozen=True, slots=True)
class Verdict:
    field_name: str
    response_key: str
    field_key: str
    show: bool
    transform: str | None
    decision: Decision | None
    #: why not shown: "denied" | "masked" | "not on caseload" | "no recorded consent" | "not the victim's case"
    reason: str | None = None
    consent_pending: bool = False


@dataclass
class Withheld:
    field_key: str
    reason: str
    clause: str
    agreement: str
    legal_basis: str
    mask: str | None
    paths: list[list[str | int]] = field(default_factory=list)


def owner_of(field_key: str) -> str:
    """The agency whose record a field discloses (``identity``: the hub's linked name and birth date)."""
    return IDENTIFIER_OWNER.get(field_key) or OWNER.get(field_key.split(".", 1)[0], "hub")


@dataclass
class Ledger:
    subjects: set[str] = field(default_factory=set)
    disclosed: dict[str, set[str]] = field(default_factory=dict)
    masked: dict[str, str] = field(default_factory=dict)
    withheld: dict[tuple[str, str], Withheld] = field(default_factory=dict)
    clauses: set[str] = field(default_factory=set)
    legal_bases: set[str] = field(default_factory=set)


class Gate:
    def __init__(self, plan: Plan | None, conditions: Conditions | None) -> None:
        #: None means governance off (benchmarks of the bare graph): everything shows.
        self.plan = plan
        self.conditions = conditions
        self.ledger = Ledger()
        self._selections: dict[tuple[int, ...], Selection] = {}
        self._sets: dict[str, asyncio.Task[frozenset[str]]] = {}
        self._known: dict[str, frozenset[str]] = {}

    def selection(self, info: RawInfo) -> Selection:
        return selected(info, self._selections)

    def _known_set(self, name: str) -> frozenset[str] | None:
        known = self._known.get(name)
        if known is None and self.conditions is not None:
            known = self.conditions.cached(name)
            if known is not None:
                self._known[name] = known
        return known

    async def _set(self, name: str, load: Callable[[], Awaitable[frozenset[str]]]) -> frozenset[str]:
        known = self._known_set(name)
        if known is not None:  # checked for every conditional field of every row: no await once loaded
            return known
        task = self._sets.get(name)
        if task is None:  # concurrent resolvers of one request share the one load
            task = self._sets[name] = asyncio.ensure_future(load())
        known = self._known[name] = await task
        return known

    async def people_under(self, condition: str) -> frozenset[str]:
        """Everyone a person-level condition (caseload, victim's case) can be true of."""
        if self.conditions is None:
            raise BadUserInput("a caseload needs an authenticated caller", argument="filter")
        people: frozenset[str] | None = None
        for part in condition.split("+"):
            if part not in SETS:
                continue
            found = await self._set(part, getattr(self.conditions, SETS[part][1]))
            people = found if people is None else people & found
        return people if people is not None else frozenset()

    async def judge(
        self, type_name: str, person_id: str, pairs: Selection, consent: frozenset[str] | None = PENDING
    ) -> list[Verdict]:
        """Verdicts for the selected fields of one record of ``type_name`` about ``person_id``."""
        verdicts = self.judge_now(type_name, person_id, pairs, consent)
        if verdicts is None:
            await self.ready(f"{type_name}.{name}" for name, _ in pairs)
            verdicts = self.judge_now(type_name, person_id, pairs, consent)
            assert verdicts is not None, "every condition set is loaded once ready"
        return verdicts

    async def ready(self, field_keys: Iterable[str]) -> None:
        """Load the sets the row conditions on these fields are checked against (caseload, victim's cases)."""
        if self.plan is None:
            return
        for key in field_keys:
            if key.endswith(".__typename"):
                continue
            d = self.plan.field(key)
            if d.visible and d.condition is not None:  # judging a field never shown checks no condition
                await self.people_under(d.condition)

    def judge_now(
        self, type_name: str, person_id: str, pairs: Selection, consent: frozenset[str] | None = PENDING
    ) -> list[Verdict] | None:
        """``judge`` without waiting: None when a row condition needs a set not loaded yet.

        Once a request has its caseload (and victim's cases) every verdict is a dict and set lookup,
        so a prefetched page is judged and built without suspending once per record.
        """
        out = []
        for name, key in pairs:
            field_key = f"{type_name}.{name}"
            if name == "__typename":
                continue
            if self.plan is None:
                out.append(Verdict(name, key, field_key, True, None, None))
                continue
            d = self.plan.field(field_key)
            if not d.visible:
                out.append(Verdict(name, key, field_key, False, None, d, "masked" if d.effect == "mask" else "denied"))
                continue
            reason = self._condition_fails(d.condition, person_id, consent)
            if reason is UNKNOWN:
                return None
            pending = consent is PENDING and d.condition is not None and "consent" in d.condition
            out.append(Verdict(name, key, field_key, reason is None, d.transform if reason is None else None,
                               d, reason, pending))
        return out

    def _condition_fails(self, condition: str | None, person_id: str,
                         consent: frozenset[str] | None) -> str | None:
        """Why the condition keeps this row's field back; None if it holds; UNKNOWN until its set loads."""
        if condition is None:
            return None
        assert self.conditions is not None, "conditional decisions need the caller's conditions"
        for part in condition.split("+"):
            if part in SETS:
                known = self._known_set(part)
                if known is None:
                    return UNKNOWN
                if person_id not in known:
                    return SETS[part][0]
            elif part == "consent":
                if consent is PENDING:
                    continue
                if consent is None or self.conditions.agency not in consent:
                    return "no recorded consent"
            else:  # an unknown condition never releases data
                return f"unknown condition {part}"
        return None

    def record(self, info: RawInfo, person_id: str, verdicts: list[Verdict], items: int | None = None,
               *, scalar: bool = False) -> None:
        """Account for what one record disclosed and withheld, with the response paths.

        ``items``: the field resolves to a list of that many records, each withholding the same
        fields, so a withheld field's paths run through every list index. ``scalar``: the verdict is
        for the resolving field itself (a Person scalar), so its path is the field's own.
        """
        base = list(info.path.as_list())[:-1] if scalar else list(info.path.as_list())
        bases = [base] if items is None else [[*base, i] for i in range(items)]
        ledger = self.ledger
        for v in verdicts:
            if v.show:
                ledger.subjects.add(person_id)
                owner = owner_of(v.field_key)
                ledger.disclosed.setdefault(owner, set()).add(v.field_key)
                if v.decision is not None:
                    ledger.clauses.add(v.decision.clause)
                    ledger.legal_bases.add(v.decision.legal_basis)
                    if v.decision.effect == "mask":
                        ledger.masked[v.field_key] = v.decision.clause
            elif v.decision is not None and v.reason is not None:
                for at in bases:
                    self.withhold([*at, v.response_key], v.field_key, v.reason, v.decision)

    def disclosed_by_argument(self, field_keys: list[str]) -> None:
        """Rows chosen or ordered by a field tell something of its values: audit it as disclosed."""
        for key in field_keys:
            self.ledger.disclosed.setdefault(owner_of(key), set()).add(key)
            if self.plan is not None:
                d = self.plan.field(key)
                self.ledger.clauses.add(d.clause)
                self.ledger.legal_bases.add(d.legal_basis)

    def withhold(self, path: list[str | int], field_key: str, reason: str, d: Decision) -> None:
        entry = self.ledger.withheld.get((field_key, reason))
        if entry is None:
            entry = self.ledger.withheld[(field_key, reason)] = Withheld(
                field_key, reason, d.clause, d.agreement, d.legal_basis, d.mask
            )
        entry.paths.append(path)

    def deny_record(self, info: RawInfo, verdicts: list[Verdict]) -> None:
        """A whole record withheld: one entry at the record's path, naming the first clause."""
        path = list(info.path.as_list())
        for v in verdicts:
            if v.decision is not None and v.reason is not None:
                self.withhold(path, f"{info.parent_type.name}.{info.field_name}", v.reason, v.decision)
                return


def values(verdicts: list[Verdict], getters: dict[str, Callable[[], Any]],
           transforms: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """Field name -> value for the fields shown; transforms apply masks such as initials."""
    out: dict[str, Any] = {}
    for v in verdicts:
        if not v.show or v.field_name not in getters:
            continue
        value = getters[v.field_name]()
        if v.transform is not None and value is not None:
            value = transforms[v.transform](value)
        out[v.field_name] = value
    return out
