"""Applying the planned sharing decisions to the records a query touches.

One ``Gate`` per request. The policy layer has already planned, for the caller's roles and
purpose, one decision per governed field (a dict lookup). Here each agency record is judged
once for everything selected beneath it: static decision, then per-row conditions checked as
set lookups (own caseload or cohort, victim's case) or against the record (consent). What was
disclosed, masked and withheld is kept in a ``Ledger`` for the errors, and written as the audit
record's own ``Disclosure`` (audit/record.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from audit.record import AggregateDisclosure, Disclosure, Operation, SubjectFields
from hub.core.errors import BadUserInput
from schema.governance.selection import RawInfo, Selection, selected


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
    @property
    def owner(self) -> str: ...  # whose record it discloses: an agency, ``identity`` or ``hub``


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


@dataclass(frozen=True, slots=True)
class _Refused:
    """The decision of a plan that releases nothing."""

    effect: str = "deny"
    visible: bool = False
    transform: str | None = None
    condition: str | None = None
    clause: str = "no authenticated caller"
    agreement: str = "none"
    legal_basis: str = "none"
    mask: str | None = None
    aggregate: bool = False
    owner: str = "hub"


class _DenyAll:
    """A plan for a request with no verified caller: every field denied (the view also refuses to run)."""

    def field(self, field_key: str) -> Decision:
        return _Refused()


DENY_ALL: Plan = _DenyAll()

#: Pending consent: the record is not loaded yet, so consent-conditioned fields still may show.
PENDING: frozenset[str] = frozenset({"\x00pending"})

#: Row conditions checked against a set of people: the reason given when a person is not in it, and
#: the ``Conditions`` method that loads the set.
SETS = {"caseload": ("not on caseload", "caseload"), "victim_case": ("not the victim's case", "victim_cases"),
        "relationship": ("no legitimate relationship", "relationship")}
#: ``Gate.exposure_now``: some field of the record shows for the person; only the record's own consent
#: could show one; none can (so not even whether the record exists).
SHOWN, CONSENT, HIDDEN = "shown", "consent", "hidden"
#: ``_condition_fails``: the condition's set is not loaded yet, so the verdict has to wait for it.
UNKNOWN = "\x00unknown"

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


@dataclass
class SubjectAccess:
    """What one request did with one person's data, field by field (names only, never values)."""

    #: returned to the caller (a list or record field: its existence and contents)
    disclosed: set[str] = field(default_factory=set)
    #: disclosed only as a mask allows: field -> the clause that masks it
    masked: dict[str, str] = field(default_factory=dict)
    #: asked for and kept back: field -> why
    withheld: dict[str, str] = field(default_factory=dict)
    #: read to filter, order or look up, but not returned (DPA 2018 s62: consultation, not disclosure)
    consulted: set[str] = field(default_factory=set)


@dataclass
class Ledger:
    """Per operation: which operation it is, what each person's fields did (disclosed, masked, withheld,
    consulted), the counts disclosed in aggregate, and for the response's errors each withheld field
    with its paths."""

    operation: Operation = field(default_factory=Operation)
    access: dict[str, SubjectAccess] = field(default_factory=dict)
    aggregates: list[AggregateDisclosure] = field(default_factory=list)
    withheld: dict[tuple[str, str], Withheld] = field(default_factory=dict)
    clauses: set[str] = field(default_factory=set)
    legal_bases: set[str] = field(default_factory=set)

    def of(self, person_id: str) -> SubjectAccess:
        found = self.access.get(person_id)
        if found is None:
            found = self.access[person_id] = SubjectAccess()
        return found

    def cite(self, d: Decision) -> None:
        self.clauses.add(d.clause)
        self.legal_bases.add(d.legal_basis)

    def disclosure(self, owner_of: Callable[[str], str], *, returned: bool = True) -> Disclosure:
        """What the audit record keeps of this operation. ``returned`` False: its answer was dropped whole
        (timed out, too large), so what its resolvers released never left: it was read (consulted), not
        disclosed, and no count left."""
        access = self.access if returned else {
            person: SubjectAccess(consulted=a.consulted | a.disclosed | set(a.masked), withheld=dict(a.withheld))
            for person, a in self.access.items()}
        aggregates = self.aggregates if returned else []
        disclosed: dict[str, set[str]] = {}
        masked: dict[str, str] = {}
        # Each field once, not once per person: a page's people share a handful of fields.
        fields: set[str] = set()
        for a in access.values():
            fields.update(a.disclosed, a.masked)
            masked.update(a.masked)
        for key in fields:
            disclosed.setdefault(owner_of(key), set()).add(key)
        for agg in aggregates:
            for key in agg.fields:
                disclosed.setdefault(owner_of(key), set()).add(f"{key} (aggregate)")
        return Disclosure(
            operation=self.operation,
            subjects=tuple(sorted(access)),
            disclosed={agency: tuple(sorted(keys)) for agency, keys in sorted(disclosed.items())},
            withheld={w.field_key: w.clause for w in self.withheld.values()},
            masked=dict(sorted(masked.items())),
            clauses=tuple(sorted(self.clauses)),
            legal_bases=tuple(sorted(self.legal_bases)),
            access=access_entries(access),
            aggregates=tuple(aggregates),
        )


def access_entries(access: dict[str, SubjectAccess]) -> tuple[SubjectFields, ...]:
    """Per-person access, people treated alike sharing one entry (a page is a few entries, not hundreds)."""
    groups: dict[tuple[frozenset[Any], ...], list[str]] = {}
    for person_id, a in access.items():
        if not (a.disclosed or a.masked or a.withheld):  # consulted only: most people of a searched page
            key = (_NONE, _NONE, _NONE, frozenset(a.consulted))
        else:
            key = (frozenset(a.disclosed), frozenset(a.masked.items()), frozenset(a.withheld.items()),
                   frozenset(a.consulted - a.disclosed - a.masked.keys()))
        groups.setdefault(key, []).append(person_id)
    return tuple(SubjectFields(tuple(sorted(people)), tuple(sorted(disclosed)), dict(sorted(masked)),
                               dict(sorted(withheld)), tuple(sorted(consulted)))
                 for (disclosed, masked, withheld, consulted), people in sorted(groups.items(), key=_first_person))


_NONE: frozenset[Any] = frozenset()


def _first_person(group: tuple[Any, list[str]]) -> str:
    return min(group[1])


class Gate:
    def __init__(self, plan: Plan | None, conditions: Conditions | None) -> None:
        #: None means governance off (benchmarks of the bare graph): everything shows.
        self.plan = plan
        self.conditions = conditions
        self.ledger = Ledger()
        #: searches covering only the caller's own people because an argument's field is released only
        #: for those: (response path, row condition, argument), for the response's ``extensions.scope``
        self.narrowed: list[tuple[tuple[str | int, ...], str, str]] = []
        self._selections: dict[tuple[int, ...], Selection] = {}
        self._sets: dict[str, asyncio.Task[frozenset[str]]] = {}
        self._known: dict[str, frozenset[str]] = {}
        #: record type -> (some field shows to everyone, the conditions under which the others show)
        self._visibility: dict[str, tuple[bool, tuple[str, ...]]] = {}

    def selection(self, info: RawInfo) -> Selection:
        return selected(info, self._selections)

    def owner_of(self, field_key: str) -> str:
        """Whose record a field discloses, as the field catalogue says (``identity``: the linked identity)."""
        return self.plan.field(field_key).owner if self.plan is not None else "hub"

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

    def _visible_under(self, type_name: str, every: Selection) -> tuple[bool, tuple[str, ...]]:
        found = self._visibility.get(type_name)
        if found is None:
            assert self.plan is not None
            anyone = False
            conditions: list[str] = []
            for name, _ in every:
                d = self.plan.field(f"{type_name}.{name}")
                if d.visible and d.condition is None:
                    anyone = True
                elif d.visible and d.condition not in conditions:
                    conditions.append(d.condition)  # type: ignore[arg-type]
            found = self._visibility[type_name] = (anyone, tuple(conditions))
        return found

    def exposure_now(self, type_name: str, person_id: str, every: Selection,
                     consent: frozenset[str] | None = PENDING) -> str | None:
        """Whether any field of a record (``every``: all its fields) may show for this person: SHOWN,
        CONSENT (only if the record's own consent allows), HIDDEN; None until a condition set loads."""
        if self.plan is None:
            return SHOWN
        anyone, conditions = self._visible_under(type_name, every)
        if anyone:
            return SHOWN
        pending = False
        for condition in conditions:
            reason = self._condition_fails(condition, person_id, consent)
            if reason is UNKNOWN:
                return None
            if reason is None:
                if consent is PENDING and "consent" in condition:
                    pending = True
                else:
                    return SHOWN
        return CONSENT if pending else HIDDEN

    async def exposure(self, type_name: str, person_id: str, every: Selection) -> str:
        found = self.exposure_now(type_name, person_id, every)
        if found is None:
            await self.ready(f"{type_name}.{name}" for name, _ in every)
            found = self.exposure_now(type_name, person_id, every)
            assert found is not None, "every condition set is loaded once ready"
        return found

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
        subject = ledger.of(person_id)
        for v in verdicts:
            if v.show:
                if v.decision is not None:
                    ledger.cite(v.decision)
                    if v.decision.effect == "mask":
                        subject.masked[v.field_key] = v.decision.clause
                        continue
                subject.disclosed.add(v.field_key)
            elif v.decision is not None and v.reason is not None:
                subject.withheld[v.field_key] = v.reason
                for at in bases:
                    self.withhold([*at, v.response_key], v.field_key, v.reason, v.decision)

    def returned(self, person_id: str) -> None:
        """A person in the answer: their hub id is disclosed even with no field selected."""
        self.ledger.of(person_id).disclosed.add("Person.id")

    def existence(self, person_id: str, record_field: str) -> None:
        """Whether an agency holds a record about the person was disclosed (the record, or its absence)."""
        self.ledger.of(person_id).disclosed.add(record_field)

    def read_by_argument(self, field_keys: list[str], returned: Iterable[str], consulted: Iterable[str]) -> None:
        """Fields read to choose or order rows: disclosed for the people returned (the rows tell something
        of their values), consulted for people read but not returned."""
        if not field_keys:
            return
        for person_id in returned:
            self.ledger.of(person_id).disclosed.update(field_keys)
        for person_id in consulted:
            self.ledger.of(person_id).consulted.update(field_keys)
        if self.plan is not None:
            for key in field_keys:
                self.ledger.cite(self.plan.field(key))

    def aggregate(self, kind: str, field_keys: list[str], over: Iterable[str] = ()) -> None:
        self.ledger.aggregates.append(AggregateDisclosure(kind, tuple(field_keys), tuple(over)))
        if self.plan is not None:
            for key in field_keys:
                self.ledger.cite(self.plan.field(key))

    def withhold(self, path: list[str | int], field_key: str, reason: str, d: Decision) -> None:
        entry = self.ledger.withheld.get((field_key, reason))
        if entry is None:
            entry = self.ledger.withheld[(field_key, reason)] = Withheld(
                field_key, reason, d.clause, d.agreement, d.legal_basis, d.mask
            )
        entry.paths.append(path)

    def deny_record(self, info: RawInfo, person_id: str, verdicts: list[Verdict]) -> None:
        """A whole record withheld: one entry at the record's path, naming the first clause.

        Said the same way whether or not the agency holds a record, so the answer shows neither.
        """
        path = list(info.path.as_list())
        key = f"{info.parent_type.name}.{info.field_name}"
        for v in verdicts:
            if v.decision is not None and v.reason is not None:
                self.ledger.of(person_id).withheld[key] = v.reason
                self.withhold(path, key, v.reason, v.decision)
                return
