"""What police share: IOM cohort, warning markers, arrests and custody outcomes, intelligence."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import strawberry

from connectors.police.records import (
    ArrestOutcome,
    HandlingCode,
    IomCohort,
    Nominal,
    PoliceCriteria,
    WarningMarkerKind,
)
from connectors.police.records import IntelligenceReport as IntelligenceRecord
from hub.core.offences import OffenceType
from schema.governance.agency_graph import AgencyGraph, PeopleFilterField, Reader
from schema.governance.context import Info
from schema.governance.enums import Borough
from schema.governance.gate import Gate, Verdict
from schema.governance.governed import Released, Resolved, judged, list_loader, listed, loaded, shown
from schema.governance.release import released
from schema.governance.selection import RawInfo
from schema.governance.strawberry_adapter import resolve_info

# The agency's code lists, as GraphQL enums.
for _code_list, _description in (
    (IomCohort, "IOM cohort: fixed (statutory), flex (local priority crime types), free (partner-nominated)"),
    (ArrestOutcome, "Custody outcome of an arrest"),
    (HandlingCode, "3x5x2 handling code: P lawful sharing permitted, C conditions apply"),
    (WarningMarkerKind, "A Police National Computer warning marker"),
):
    strawberry.enum(_code_list, description=_description)
if not hasattr(OffenceType, "__strawberry_definition__"):  # shared with probation, which may declare it first
    strawberry.enum(OffenceType, description="Offence group, as the partnership scopes cohorts by offence")



@strawberry.type(description="The police IOM officer managing a cohort member")
class IomOfficer:
    name: str
    borough: Borough
    phone: str


# The police system's own marker records serve as this type (no copy): ``marker`` reads their stored value.
@strawberry.type(description="A Police National Computer warning marker on the person")
class WarningMarker:
    marker: WarningMarkerKind = strawberry.field(resolver=lambda root: WarningMarkerKind(root.marker),
                                                 description="The marker")
    recorded_on: date


@strawberry.type(description="An arrest and its custody outcome")
class Arrest:
    arrested_at: datetime
    offence_code: str
    offence: str
    custody_suite: str
    outcome: ArrestOutcome
    offence_group: OffenceType = strawberry.field(
        description="The partnership's offence group of the offence (as for probation's offenceTypes)")
    proven: bool | None = strawberry.field(
        description="Charged and later convicted; false when not charged (no further action, caution) or "
                    "not convicted; null while unknown (bailed, under investigation, awaiting the court)")


@strawberry.type(description="An intelligence report graded 3x5x2; only handling code P reports leave police")
class IntelligenceReport:
    recorded_at: datetime | None
    grading: str | None = strawberry.field(description="3x5x2 grading, e.g. 2BP")
    summary: str | None
    detail: str | None


@strawberry.type(description="What the police system holds, as far as the agreement releases it")
class PoliceRecord:
    person_id: strawberry.Private[str]
    pnc_id: strawberry.Private[str]
    shown: strawberry.Private[Released]
    iom_cohort: IomCohort | None
    iom_officer: IomOfficer | None
    caller_is_police: strawberry.Private[bool]

    @strawberry.field(description="Arrests, newest first; `since` keeps those at or after a time (overnight "
                                  "arrests: since yesterday evening)", graphql_type=list[Arrest] | None)
    def arrests(self, info: Info, since: datetime | None = None) -> Resolved[list[Arrest] | None]:
        if "arrests" not in self.shown:
            return None
        if since is None:
            return listed(info, "police", "arrests", self.shown, self.pnc_id)
        if since.tzinfo is not None:  # the police system records naive UTC times
            since = since.astimezone(UTC).replace(tzinfo=None)
        after = since
        # The police system's arrest records serve as the GraphQL type: same fields, no copy.
        return loaded(list_loader(info, "police", "arrests"), self.pnc_id,
                      lambda found: self.shown.value("arrests", [a for a in found if a.arrested_at >= after]))

    @strawberry.field(graphql_type=list[WarningMarker] | None)
    def warning_markers(self, info: Info) -> Resolved[list[WarningMarker] | None]:
        return listed(info, "police", "warningMarkers", self.shown, self.pnc_id)

    @strawberry.field(description="Intelligence reports, newest first", graphql_type=list[IntelligenceReport] | None)
    def intelligence(self, info: Info) -> Resolved[list[IntelligenceReport] | None]:
        if "intelligence" not in self.shown:
            return None
        gate = info.context.gate
        raw = resolve_info(info)
        loader = list_loader(info, "police", "intelligence")
        return judged(gate, "IntelligenceReport", self.person_id, gate.selection(raw), lambda verdicts: loaded(
            loader, self.pnc_id, lambda found: self._released(gate, raw, found, verdicts)))

    def _released(self, gate: Gate, raw: RawInfo, reports: list[IntelligenceRecord], verdicts: list[Verdict]
                  ) -> list[IntelligenceReport] | None:
        if not self.caller_is_police:
            reports = [r for r in reports if r.handling_code is HandlingCode.P]
        if reports:
            gate.record(raw, self.person_id, verdicts, items=len(reports))
        names = released(verdicts)
        return self.shown.value("intelligence", [_report(r, names) for r in reports])


def _report(r: IntelligenceRecord, names: Released) -> IntelligenceReport:
    return IntelligenceReport(
        recorded_at=shown(names, "recordedAt", r.recorded_at),
        grading=shown(names, "grading", r.grading),
        summary=shown(names, "summary", r.summary),
        detail=shown(names, "detail", r.detail),
    )


def build_police(n: Nominal, names: Released, reader: Reader) -> PoliceRecord:
    officer = n.iom_officer
    return PoliceRecord(
        person_id=reader.person_id,
        pnc_id=n.pnc_id,
        shown=names,
        iom_cohort=shown(names, "iomCohort", n.iom_cohort),
        iom_officer=shown(names, "iomOfficer",
                          IomOfficer(name=officer.name, borough=Borough(officer.borough), phone=officer.phone)
                          if officer else None),
        caller_is_police=reader.agency in (None, "police"),
    )


FILTERS = (
    PeopleFilterField("iomCohorts", list[IomCohort] | None, "PoliceRecord.iomCohort"),
    PeopleFilterField("arrestedSince", datetime | None, "PoliceRecord.arrests", "At least one arrest since"),
)


def criteria(values: Mapping[str, Any]) -> PoliceCriteria | None:
    cohorts = values.get("iomCohorts")
    found = PoliceCriteria(iom_cohorts=frozenset(cohorts) if cohorts is not None else None,
                           arrested_since=values.get("arrestedSince"))
    return None if found == PoliceCriteria() else found


GRAPH = AgencyGraph(PoliceRecord, build_police, filters=FILTERS, criteria=criteria)
