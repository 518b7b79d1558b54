"""The root of the graph: look a person up, or page through people by the partnership's questions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import strawberry

from audit.review import AuditFilter
from connectors.registry import validate
from hub.core.errors import BadUserInput, Forbidden
from hub.services import cohort, counts
from hub.services.access import AccessService
from hub.services.audit_review import AuditReadRefused, AuditReview
from hub.services.cursors import decode_audit, encode_audit, valid_person_id
from hub.services.index.store import IndexedPerson
from hub.services.people import Page, PeopleQuery
from schema.governance.agency_graph import DateRange
from schema.governance.context import Info
from schema.governance.gate import Gate
from schema.governance.person_level import identified, own_people, refuse_person_level
from schema.governance.selection import children, field_names
from schema.governance.strawberry_adapter import resolve_info
from schema.graph.access import scope_for
from schema.graph.filters import FILTER_FIELDS, MAX_BRANCHES, UNMASKED_ONLY, to_query
from schema.graph.names import python_name
from schema.graph.prefetch import person_nodes, prefetch
from schema.graph.schemes import IdentifierScheme
from schema.graph.types.access import AccessExplanation, AgreementCell, MyAccessReport
from schema.graph.types.audit import (
    AuditEventFilter,
    AuditIntegrity,
    AuditRecord,
    AuditRecordConnection,
    AuditRecordEdge,
    SubjectAccessReport,
    SubjectDisclosure,
)
from schema.graph.types.audit_detail import audit_record
from schema.graph.types.counts import (
    BREAKDOWNS,
    MEASURES,
    RELEASE_FIELD,
    BreakdownValue,
    CountBreakdown,
    CountCell,
    CountMeasure,
    CountTable,
    countable_breakdowns,
    withhold_uncountable,
)
from schema.graph.types.holdings import people_holding_records
from schema.graph.types.paging import page_info
from schema.graph.types.people import PeopleFilter, PersonConnection, PersonEdge, PersonOrder
from schema.graph.types.person import Person, person_of
from schema.graph.types.vocabulary import Purpose, Role


@strawberry.type
class Query:
    @strawberry.field(description="A person by hub person id; null when there is no such person")
    async def person(self, info: Info, id: strawberry.ID) -> Person | None:
        refuse_person_level(info.context.gate, "person")
        if not valid_person_id(str(id)):
            raise BadUserInput("person id must be H followed by eight digits", argument="id")
        known = await identified(info.context.gate)
        if known is not None and str(id) not in known:
            return None  # as for an unknown id: whether the partnership knows them is not the caller's
        found = await info.context.loaders.person.load(str(id))
        if found is not None:
            await prefetch(info, [found], person_nodes(info))
        return returned(info, found)

    @strawberry.field(description="A person by an agency identifier; the format and check digit are validated")
    async def person_by_identifier(self, info: Info, scheme: IdentifierScheme, value: str) -> Person | None:
        refuse_person_level(info.context.gate, "personByIdentifier")
        canonical = validate(scheme.value, value)
        among = await _lookup_scope(info, scheme)
        person_id = await info.context.people.index.find(scheme.value, canonical)
        if person_id is None:
            return None
        looked_up = [f"Identifiers.{scheme.value}"]
        if among is not None and person_id not in among:
            info.context.gate.read_by_argument(looked_up, (), (person_id,))
            return None
        info.context.gate.read_by_argument(looked_up, (person_id,), ())
        found = await info.context.loaders.person.load(person_id)
        if found is not None:
            await prefetch(info, [found], person_nodes(info))
        return returned(info, found)

    @strawberry.field(description="Several people by one agency's identifiers (a caseload's CRNs, say), in the "
                                  "order given; null where no one matches or the caller may not see them")
    async def people_by_identifiers(self, info: Info, scheme: IdentifierScheme, values: list[str]
                                    ) -> list[Person | None] | None:
        refuse_person_level(info.context.gate, "peopleByIdentifiers")
        ctx = info.context
        if not 1 <= len(values) <= ctx.max_first:
            raise BadUserInput(f"give between 1 and {ctx.max_first} values", argument="values")
        canonical = [validate(scheme.value, v) for v in values]
        among = await _lookup_scope(info, scheme)
        found = await ctx.people.index.find_many(scheme.value, canonical)
        hits = [found.get(v) for v in canonical]
        ids = [i if i is not None and (among is None or i in among) else None for i in hits]
        kept = {i for i in ids if i is not None}
        ctx.gate.read_by_argument([f"Identifiers.{scheme.value}"], kept,
                                  {i for i in hits if i is not None and i not in kept})
        people = await ctx.loaders.person.load_many([i for i in ids if i is not None])
        by_id = {p.person_id: p for p in people if p is not None}
        await prefetch(info, list(by_id.values()), person_nodes(info))
        return [returned(info, by_id[i]) if i is not None and i in by_id else None for i in ids]

    @strawberry.field(description="People matching a filter, in hub person id order unless `orderBy` says otherwise")
    async def people(
        self, info: Info, filter: PeopleFilter | None = None, first: int = 20, after: str | None = None,
        order_by: PersonOrder | None = None,
    ) -> PersonConnection | None:
        refuse_person_level(info.context.gate, "people")
        ctx = info.context
        limit = ctx.max_first
        if first < 1 or first > limit:
            raise BadUserInput(f"`first` must be between 1 and {limit}", argument="first")
        governed = await _govern(ctx.gate, filter) if filter is not None else GovernedFilter(PeopleQuery(), [], [])
        query = governed.query
        among = _within(query.among, await identified(ctx.gate))
        order = order_by.to_ordering() if order_by is not None else None
        narrowed = dict(governed.narrowed)
        if order is not None and order.field.field_key is not None:
            # The order of the rows discloses the value: the same access as reading it, unmasked.
            scope = await scope_for(ctx.gate, "orderBy", [order.field.field_key], exact=True)
            among = _within(among, scope.among)
            narrowed.update(("orderBy", condition) for condition in scope.narrowed_by)
        path = tuple(resolve_info(info).path.as_list())
        ctx.gate.narrowed += [(path, condition, argument) for argument, condition in narrowed.items()]
        q = replace(query, among=among)
        fragments, variables = resolve_info(info).fragments, resolve_info(info).variable_values
        names = field_names(resolve_info(info).field_nodes, fragments, variables)
        counted = "totalCount" in names
        page = await ctx.people.page(q, first, after, order, count=counted)
        used = list(governed.used)
        if order is not None and order.field.field_key is not None:
            used.append(order.field.field_key)
        account_page(ctx.gate, page, used, shown=_in_answer(info, page))
        if page.searched_all and used:
            # All of an agency's records were searched or ordered: recorded once, about no one in particular.
            ctx.gate.aggregate("search", used, governed.names + (["orderBy"] if order_by else []))
        if counted:
            ctx.gate.aggregate("totalCount", used, governed.names)
        ctx.loaders.prime_people(page.people)
        await prefetch(info, page.people, person_nodes(info, "edges", "node"))
        return PersonConnection(
            edges=[PersonEdge(cursor=cursor, node=person_of(p)) for p, cursor in zip(page.people, page.cursors,
                                                                                       strict=True)],
            page_info=page_info(page.cursors, has_next_page=page.has_next_page, after=after),
            matched=page.total_count,
            query=q,
        )


async def _lookup_scope(info: Info, scheme: IdentifierScheme) -> frozenset[str] | None:
    """Who a lookup by this identifier may find: those the caller may read it of, and may identify."""
    scope = await scope_for(info.context.gate, "scheme", [f"Identifiers.{scheme.value}"])
    known = await identified(info.context.gate)
    if scope.among is None or known is None:
        return scope.among if known is None else known
    return scope.among & known


def returned(info: Info, found: IndexedPerson | None) -> Person | None:
    """A person in the answer: even with no field selected, the id tells the caller who matched."""
    if found is None:
        return None
    info.context.gate.returned(found.person_id)
    return person_of(found)


def _in_answer(info: Info, page: Page) -> set[str]:
    """The page's people the answer names: all through their edges, else the first or last through
    the cursor that carries their id (``pageInfo { startCursor endCursor }``)."""
    raw = resolve_info(info)
    if not page.people or "edges" in field_names(raw.field_nodes, raw.fragments, raw.variable_values):
        return {p.person_id for p in page.people}
    cursors = field_names(children(raw.field_nodes, "pageInfo", raw.fragments, raw.variable_values),
                          raw.fragments, raw.variable_values)
    return ({page.people[0].person_id} if "startCursor" in cursors else set()) | \
        ({page.people[-1].person_id} if "endCursor" in cursors else set())


def account_page(gate: Gate, page: Page, used: list[str], *, shown: set[str]) -> None:
    """The people in the answer (``shown``) are returned; the fields the filter and order read are
    disclosed about them (the rows tell something of those values) and consulted about everyone
    else read to find them, the rest of the page included."""
    on_page = shown
    for person_id in on_page:
        gate.returned(person_id)
    gate.read_by_argument(used, on_page, ())
    gate.read_by_argument(used, (), [p.person_id for p in page.people if p.person_id not in on_page])
    by_owners: dict[frozenset[str], list[str]] = {}
    for person_id, agencies in page.consulted.items():
        if person_id not in on_page:
            by_owners.setdefault(frozenset(agencies), []).append(person_id)
    for owners, people in by_owners.items():  # a few groups, however many people were read
        gate.read_by_argument([k for k in used if _answered_by(gate, k) in owners], (), people)


def _answered_by(gate: Gate, field_key: str) -> str:
    """Who answers for a filter or order field: an agency, or the person index for the identity."""
    owner = gate.owner_of(field_key)
    return "index" if owner == "identity" else owner


@dataclass(frozen=True)
class GovernedFilter:
    """A caller's filter as the hub runs it, with what it reads."""

    #: the agencies' criteria, ``among`` the people the caller may filter over (None: everyone)
    query: PeopleQuery
    #: the governed fields the filter reads, each once (disclosed or consulted about the people it finds)
    used: list[str]
    #: the filter arguments set (names only: the values can be a person's data), as the audit records them
    names: list[str]
    #: argument path (``filter.dutyStages``) -> the row condition that narrowed the search to the caller's people
    narrowed: dict[str, str] = field(default_factory=dict)


async def _govern(gate: Gate, filter: PeopleFilter, branch: str = "") -> GovernedFilter:
    """Each filter set reads its field: refused (FilterNotPermitted) unless the caller may read it, and
    narrowed to the people they may read it for. An ``anyOf`` branch (``branch``: its argument path,
    ``anyOf[1].``) is governed alone, as a top-level filter is, and narrows only itself."""
    values = {name: getattr(filter, python_name(name)) for name in FILTER_FIELDS}
    query = to_query(values)
    among: frozenset[str] | None = None
    used: list[str] = []
    names: list[str] = []
    narrowed: dict[str, str] = {}
    for arg, field_key in FILTER_FIELDS.items():
        if values[arg] is None:
            continue
        scope = await scope_for(gate, branch + arg, [field_key], exact=arg in UNMASKED_ONLY)
        among = _within(among, scope.among)
        narrowed.update((f"filter.{branch}{arg}", condition) for condition in scope.narrowed_by)
        used.append(field_key)
        names.append(branch + arg)
    if filter.on_my_caseload:
        among = _within(among, await gate.people_under(own_people(gate)))
        names.append(branch + "onMyCaseload")
    branches: list[GovernedFilter] = []
    if filter.any_of is not None:
        if branch:
            raise BadUserInput("`anyOf` cannot hold an `anyOf`: write the alternatives in one list",
                               argument="filter")
        if not 1 <= len(filter.any_of) <= MAX_BRANCHES:
            raise BadUserInput(f"`anyOf` takes between 1 and {MAX_BRANCHES} filters", argument="filter")
        branches = [await _govern(gate, f, f"anyOf[{i}].") for i, f in enumerate(filter.any_of)]
        for i, b in enumerate(branches):
            if not b.names:
                raise BadUserInput(f"`anyOf[{i}]` sets no criterion: it would match everyone", argument="filter")
        used += [k for b in branches for k in b.used]
        names += [n for b in branches for n in b.names]
        for b in branches:
            narrowed.update(b.narrowed)
    return GovernedFilter(replace(query, among=among, any_of=tuple(b.query for b in branches)),
                          list(dict.fromkeys(used)), names, narrowed)


def _within(among: frozenset[str] | None, scope: frozenset[str] | None) -> frozenset[str] | None:
    return scope if among is None else among if scope is None else among & scope


def _access(info: Info) -> AccessService:
    access = info.context.access
    if access is None or info.context.caller.purpose is None:
        raise Forbidden("access reports need governance on and a stated purpose of use")
    return access


@strawberry.type
class AccessQuery:
    @strawberry.field(description="What you may see under the purpose you stated, field by field, with clauses")
    def my_access(self, info: Info) -> MyAccessReport | None:
        caller = info.context.caller
        return MyAccessReport.of(_access(info).mine(caller.roles, caller.purpose or ""))

    @strawberry.field(description="For information governance: the agreements in force as a matrix of role x "
                                  "purpose x field group, with effect, condition, clause and legal basis")
    def agreement_matrix(self, info: Info, role: Role | None = None) -> list[AgreementCell] | None:
        cells = _access(info).matrix(info.context.caller.roles, role.value if role is not None else None)
        return [AgreementCell.of(c) for c in cells]

    @strawberry.field(description="For information governance: how the agreements treat a field for a role "
                                  "under a purpose, and which rule decides it")
    def explain_access(self, info: Info, field: str, role: Role, purpose: Purpose
                       ) -> AccessExplanation | None:
        return AccessExplanation.of(_access(info).explain(info.context.caller.roles, field, role.value,
                                                          purpose.value))


def _review(info: Info) -> AuditReview:
    review = info.context.audit
    if review is None:
        raise AuditReadRefused("the audit trail is not available without governance")
    return review


@strawberry.type
class AuditQuery:
    @strawberry.field(description="The audit trail, newest first (ig-officer, purpose audit)")
    async def audit_events(self, info: Info, filter: AuditEventFilter | None = None, first: int = 50,
                           after: str | None = None) -> AuditRecordConnection | None:
        caller = info.context.caller
        before = decode_audit(after) if after else None
        records, more = await _review(info).events(caller.roles, caller.purpose,
                                                   filter.to_filter() if filter else AuditFilter(), first, before)
        edges = [AuditRecordEdge(cursor=encode_audit(r.seq), node=AuditRecord.of(r)) for r in records]
        return AuditRecordConnection(edges=edges, page_info=page_info([e.cursor for e in edges], has_next_page=more,
                                                                      after=after))

    @strawberry.field(description="Every disclosure about one person (ig-officer, purpose audit)")
    async def subject_access_report(self, info: Info, person_id: strawberry.ID) -> SubjectAccessReport | None:
        caller = info.context.caller
        if not valid_person_id(str(person_id)):
            raise BadUserInput("person id must be H followed by eight digits", argument="personId")
        records = await _review(info).subject_report(caller.roles, caller.purpose, str(person_id))
        info.context.gate.ledger.of(str(person_id)).consulted.add("Query.subjectAccessReport")
        return SubjectAccessReport(person_id=person_id, disclosures=[SubjectDisclosure.of(r) for r in records])

    @strawberry.field(description="The hub person id an agency identifier (CRN, PNC ID, NHS number, National "
                                  "Insurance number...) belongs to, so a subject access request made with one "
                                  "finds its person (ig-officer, purpose audit); null when no one holds it")
    async def audit_subject(self, info: Info, scheme: IdentifierScheme, value: str) -> strawberry.ID | None:
        caller = info.context.caller
        _review(info).check(caller.roles, caller.purpose)
        person_id = await info.context.people.index.find(scheme.value, validate(scheme.value, value))
        if person_id is None:
            return None
        # The answer says this person holds the identifier: disclosed, as personByIdentifier records it.
        info.context.gate.read_by_argument([f"Identifiers.{scheme.value}"], (person_id,), ())
        info.context.gate.returned(person_id)
        return strawberry.ID(person_id)

    audit_record = strawberry.field(resolver=audit_record, description="One audit record with each subject's own "
                                    "entry for it, in one call (ig-officer, purpose audit)")
    people_holding_records = strawberry.field(resolver=people_holding_records, description="How many people each "
                                              "agency holds a record of (ig-officer, purpose audit), as an audited "
                                              "aggregate")

    @strawberry.field(description="Verify the whole trail now: chain, stored copies and signed checkpoints")
    async def audit_integrity(self, info: Info) -> AuditIntegrity | None:
        caller = info.context.caller
        review = _review(info)
        report = await review.integrity(caller.roles, caller.purpose)
        return AuditIntegrity.of(report, await review.last_checkpoint(caller.roles, caller.purpose))


@strawberry.type
class CountsQuery:
    @strawberry.field(description="Partnership performance: how many people by one measure, as aggregate counts "
                                  "with small numbers suppressed (partnership analysts). An outcome measure follows "
                                  "a release cohort, optionally one release period (a whole calendar quarter or "
                                  "financial year) and broken down by up to all of its breakdowns.")
    async def partnership_counts(self, info: Info, measure: CountMeasure,
                                 released_between: DateRange | None = None,
                                 by: list[CountBreakdown] | None = None) -> CountTable | None:
        chosen = MEASURES[measure.value]
        dimensions = [b.value for b in by or []]
        if len(set(dimensions)) != len(dimensions):
            raise BadUserInput("by names a breakdown twice", argument="by")
        period = (cohort.period_of(released_between.from_, released_between.to)
                  if released_between is not None else None)
        asked = list(chosen.reads)
        if chosen.outcome is not None:
            asked += [f for f in [RELEASE_FIELD] if f] + [BREAKDOWNS[d].field_key for d in dimensions]
        gate = info.context.gate
        if withhold_uncountable(gate, asked, list(info.path.as_list())):
            return None
        over = countable_breakdowns(gate) if chosen.outcome is not None else []
        table = await info.context.counts.count(chosen, period, dimensions, over)
        # The table's other breakdowns shape its suppression: read in aggregate too, and recorded.
        reads = asked + [BREAKDOWNS[d].field_key for d in table.breakdowns if d not in dimensions]
        if gate.plan is not None:
            # Recorded once the table is answered: a measure refused as unavailable disclosed nothing.
            gate.aggregate("partnershipCounts", reads, [measure.value, *dimensions, *([period] if period else [])])
        return CountTable(
            measure=measure, field=chosen.field_key, fields_read=reads, period=period, threshold=counts.THRESHOLD,
            total=table.total,
            cells=[CountCell(value=c.value, count=c.count, suppressed=c.suppressed,
                             breakdown=[BreakdownValue(dimension=CountBreakdown(d), value=v) for d, v in c.breakdown])
                   for c in table.cells])
