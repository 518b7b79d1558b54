"""Descriptions for every element of the schema, and each agency field's field group and agreement.

Most descriptions are written beside their fields; the ones written here are applied at schema build to
any type, field, argument or enum value still without one. Each governed field's description then ends
with its field group and the agreement that governs it, read from the policy catalogue (fields.csv)
and the agreements' rules, so it cannot drift from them. A test walks the introspected schema and fails
on any element without a description, and on a key here that names nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)

from hub.core.boroughs import Borough
from policies.agreements import load_agreements
from policies.loader import policy_dir
from policies.sources import Problem, read_rows
from policies.vocabulary import AGENCIES, FIELD_COLUMNS, FIELDS_FILE, PURPOSES, ROLES
from schema.graph.types.vocabulary import OUTCOMES, enum_name


@cache
def governed_notes() -> Mapping[str, str]:
    """``Type.field`` -> "Field group `risk` (Probation ISA).", for every field in the catalogue, and
    ``Person.<agency>`` -> the agreements its record's fields are released under."""
    directory = policy_dir()
    problems: list[Problem] = []
    # fields.csv's rows as written (the catalogue proper checks its masks against the SDL this builds)
    catalogued = [(row.values["field"], row.values["group"], row.values["owner"])
                  for row in read_rows(directory / FIELDS_FILE, FIELD_COLUMNS, problems)]
    by_group: dict[str, set[str]] = {}
    for rule in load_agreements(directory, problems).rules:
        by_group.setdefault(rule.group, set()).add(rule.agreement)

    def agreements(groups: set[str]) -> str:
        return ", ".join(sorted({a for g in groups for a in by_group.get(g, {"no agreement"})}))

    notes = {key: f"Field group `{group}` ({agreements({group})})." for key, group, _ in catalogued}
    for agency in sorted({owner for _, _, owner in catalogued if owner != "all"}):
        groups = {group for key, group, owner in catalogued if owner == agency and not key.startswith("Identifiers.")}
        notes[f"Person.{agency}"] = (f"Released under the {agreements(groups)}: an object (null: no record) only "
                                     "where the caller may read at least one of its fields about this person; "
                                     "otherwise null with a FIELD_NOT_SHARED error, the same whether or not the "
                                     "agency holds a record.")
    return MappingProxyType(notes)


def note_of(description: str | None, note: str) -> str:
    return f"{description.rstrip().rstrip('.')}. {note}" if description else note


def describe(schema: GraphQLSchema) -> None:
    """Fill in the descriptions written here, then append each governed field's group and agreement."""
    notes = governed_notes()
    for named in schema.type_map.values():
        if named.name.startswith("__"):
            continue
        _fill(named, named.name)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for name, f in named.fields.items():
                key = f"{named.name}.{name}"
                _fill(f, key)
                for arg_name, arg in getattr(f, "args", {}).items():
                    _fill(arg, f"{key}({arg_name})")
                if key in notes and not (f.description or "").endswith(notes[key]):
                    f.description = note_of(f.description, notes[key])
        if isinstance(named, GraphQLEnumType):
            for value_name, value in named.values.items():
                _fill(value, f"{named.name}.{value_name}")


def _fill(element: object, key: str) -> None:
    if not getattr(element, "description", None) and key in DESCRIPTIONS:
        setattr(element, "description", DESCRIPTIONS[key])  # noqa: B010 (the graphql-core types differ)



DESCRIPTIONS: Mapping[str, str] = MappingProxyType({
    # ---- shared closed sets: the value each enum name stands for, as the agencies' systems store it ----
    **{f"Borough.{b.name}": b.value for b in Borough},
    **{f"Role.{enum_name(r)}": f"Role `{r}`" for r in ROLES},
    **{f"Purpose.{enum_name(p)}": f"Purpose `{p}`" for p in PURPOSES},
    **{f"Agency.{enum_name(a)}": f"Agency `{a}`" for a in AGENCIES},
    **{f"AuditOutcome.{enum_name(o)}": f"`{o}`: {meaning}" for o, meaning in OUTCOMES.items()},
    # ---- the root ----
    "Query": "The partnership's questions: people and their records, counts, the agreements as they apply to "
             "the caller, and (for information governance) the audit trail",
    "Query.person(id)": "The hub person id, H followed by eight digits",
    "Query.personByIdentifier(scheme)": "Whose identifier `value` is",
    "Query.personByIdentifier(value)": "The identifier, checked for its scheme's format and check digit",
    "Query.auditSubject(scheme)": "Whose identifier `value` is",
    "Query.auditSubject(value)": "The identifier, checked for its scheme's format and check digit",
    "Query.peopleByIdentifiers(scheme)": "Whose identifiers `values` are",
    "Query.peopleByIdentifiers(values)": "The identifiers, at most the page size limit; each is checked",
    "Query.people(filter)": "Who to list; every criterion set must hold (`anyOf`: one of its branches)",
    "Query.people(first)": "How many people a page holds, 1 to the page size limit",
    "Query.people(after)": "The `endCursor` of the page before (the same filter and order)",
    "Query.people(orderBy)": "The order of the list; without it, hub person id order",
    "Query.partnershipCounts(measure)": "What to count",
    "Query.partnershipCounts(releasedBetween)": "An outcome measure's release period: one whole calendar quarter or "
                                                "financial year",
    "Query.partnershipCounts(by)": "An outcome measure's breakdowns, each at most once",
    "Query.agreementMatrix(role)": "Only this role's cells; all roles when absent",
    "Query.explainAccess(field)": "The field, as Type.field (e.g. ProbationRecord.roshLevel)",
    "Query.explainAccess(role)": "The role whose access is explained",
    "Query.explainAccess(purpose)": "The purpose of use the role would state",
    "Query.auditEvents(filter)": "Which records; every condition given must hold",
    "Query.auditEvents(first)": "How many records a page holds",
    "Query.auditEvents(after)": "The `endCursor` of the page before",
    "Query.subjectAccessReport(personId)": "The hub person id the report is about",
    # ---- a person ----
    "Person.dateOfBirth": "Date of birth, from the person index",
    "Person.identifiers": "The person's identifier in each agency's system, each released as its agency's "
                          "agreement allows",
    "IdentifierScheme.PNC_ID": "Police National Computer id (police), e.g. 2019/0012345X",
    "IdentifierScheme.CRO_NUMBER": "Criminal Records Office number (police)",
    "IdentifierScheme.CRN": "Case reference number (probation)",
    "IdentifierScheme.PRISON_NUMBER": "Prison number (probation, from the prison service)",
    "IdentifierScheme.HOUSING_REFERENCE": "Housing options case reference (housing)",
    "IdentifierScheme.NHS_NUMBER": "NHS number (treatment), ten digits with a check digit",
    "IdentifierScheme.NI_NUMBER": "National Insurance number (employment)",
    # ---- police ----
    "PoliceRecord.iomCohort": "The person's Integrated Offender Management cohort; null outside IOM",
    "PoliceRecord.iomOfficer": "The police IOM officer managing the person",
    "PoliceRecord.arrests(since)": "Only arrests at or after this time",
    "PoliceRecord.warningMarkers": "Police National Computer warning markers (e.g. violence, weapons)",
    "IomCohort.FIXED": "Fixed cohort: statutory (probation-supervised priority offenders)",
    "IomCohort.FLEX": "Flex cohort: local priority crime types",
    "IomCohort.FREE": "Free cohort: nominated by a partner",
    "IomOfficer.name": "The officer's name",
    "IomOfficer.borough": "The borough command the officer works in",
    "IomOfficer.phone": "The officer's work phone",
    "Arrest.arrestedAt": "When the arrest was made",
    "Arrest.offenceCode": "Home Office offence code of the offence arrested for",
    "Arrest.offence": "The offence arrested for, as the police system names it",
    "Arrest.custodySuite": "The custody suite the person was taken to",
    "Arrest.outcome": "The custody outcome",
    "ArrestOutcome.CHARGED": "Charged",
    "ArrestOutcome.BAILED": "Released on bail, pending further enquiries or a decision",
    "ArrestOutcome.RELEASED_UNDER_INVESTIGATION": "Released under investigation, without bail",
    "ArrestOutcome.NO_FURTHER_ACTION": "No further action",
    "ArrestOutcome.CAUTION": "Cautioned",
    "ArrestOutcome.REMANDED": "Charged and remanded in custody",
    "OffenceType.ROBBERY": "Robbery",
    "OffenceType.BURGLARY": "Burglary (dwelling and other)",
    "OffenceType.VIOLENCE": "Violence against the person",
    "OffenceType.DOMESTIC_ABUSE": "Domestic abuse offences",
    "OffenceType.DRUGS": "Drug offences (possession, supply)",
    "OffenceType.THEFT": "Theft and handling (shoplifting, vehicle crime)",
    "OffenceType.SEXUAL": "Sexual offences",
    "OffenceType.OTHER": "Any other offence (criminal damage, public order...)",
    "WarningMarkerKind.VIOLENCE": "Violence",
    "WarningMarkerKind.WEAPONS": "Weapons",
    "WarningMarkerKind.DRUGS": "Drugs",
    "WarningMarkerKind.SELF_HARM": "Self-harm",
    "WarningMarkerKind.ESCAPER": "Escaper",
    "WarningMarkerKind.MENTAL_HEALTH": "Mental health",
    "WarningMarker.recordedOn": "When it was recorded",
    "IntelligenceReport.recordedAt": "When the report was recorded",
    "IntelligenceReport.summary": "A sanitised summary, fit to share",
    "IntelligenceReport.detail": "The full text, for police only",
    # ---- probation ----
    "ProbationRecord.custodyStatus": "In custody, on licence after release, or supervised in the community",
    "ProbationRecord.tier": "Probation management tier (A to D, with a number for the risk of harm)",
    "ProbationRecord.offenderManager": "The probation practitioner managing the case",
    "ProbationRecord.ogrsBand": "OGRS band: LOW below 50%, MEDIUM 50 to 74%, HIGH 75% and over",
    "ProbationRecord.roshLevel": "Risk of serious harm (RoSH) level",
    "ProbationRecord.mappaCategory": "MAPPA category: 1 registered sexual offenders, 2 violent offenders, 3 other "
                                     "dangerous offenders; null outside MAPPA",
    "ProbationRecord.mappaLevel": "MAPPA management level 1 to 3; null outside MAPPA",
    "ProbationRecord.releaseType": "The type of the latest release from custody",
    "ProbationRecord.referrals": "Referrals to resettlement pathway services, newest first",
    "CustodyStatus.COMMUNITY": "Supervised in the community (a community order or suspended sentence)",
    "CustodyStatus.CUSTODY": "In custody",
    "CustodyStatus.LICENCE": "Released from custody on licence",
    "OffenderManager.name": "The practitioner's name",
    "OffenderManager.team": "Their probation delivery unit team",
    "OffenderManager.borough": "The borough the team serves",
    "OffenderManager.email": "Their work email",
    "OffenderManager.phone": "Their work phone",
    "OgrsBand.LOW": "OGRS score below 50%",
    "OgrsBand.MEDIUM": "OGRS score 50% to 74%",
    "OgrsBand.HIGH": "OGRS score 75% or more",
    "RoshLevel.LOW": "Low risk of serious harm",
    "RoshLevel.MEDIUM": "Medium risk of serious harm",
    "RoshLevel.HIGH": "High risk of serious harm",
    "RoshLevel.VERY_HIGH": "Very high risk of serious harm",
    "ReleaseType.AUTOMATIC_CONDITIONAL": "Automatic conditional release at the halfway (or two-thirds) point",
    "ReleaseType.HOME_DETENTION_CURFEW": "Early release on home detention curfew (an electronic tag)",
    "ReleaseType.EARLY_RELEASE": "Early release under an emergency or capacity scheme",
    "ReleaseType.PAROLE": "Released by the Parole Board",
    "ReleaseType.SENTENCE_EXPIRY": "Released at the end of the sentence, with no licence",
    "LicenceCondition.kind": "The kind of condition",
    "LicenceCondition.description": "The condition as the licence words it",
    "LicenceConditionKind.CURFEW": "A curfew",
    "LicenceConditionKind.EXCLUSION_ZONE": "An exclusion zone (victim services are told these)",
    "LicenceConditionKind.ELECTRONIC_MONITORING": "Electronic monitoring (a tag)",
    "LicenceConditionKind.RESIDENCE": "Residence at an approved address",
    "LicenceConditionKind.NON_CONTACT": "No contact with named people",
    "LicenceConditionKind.DRUG_TESTING": "Drug testing",
    "Sentence": "A sentence and, for a custodial one, its release",
    "Sentence.kind": "The kind of sentence",
    "Sentence.offence": "The offence sentenced for",
    "Sentence.sentencedOn": "The day sentence was passed",
    "Sentence.lengthMonths": "The sentence length in months",
    "Sentence.releaseDate": "The day of release from custody, past or planned; null for a non-custodial sentence",
    "Sentence.releaseType": "The type of that release",
    "Sentence.licenceEndDate": "The last day of the licence",
    "Sentence.recalledOn": "The day of recall to custody, if recalled",
    "Sentence.breachedOn": "The day a breach of the order or licence was recorded, if any",
    "SentenceKind.CUSTODIAL": "Custodial sentence",
    "SentenceKind.COMMUNITY_ORDER": "Community order",
    "SentenceKind.SUSPENDED_SENTENCE": "Suspended sentence order",
    "Referral.pathway": "The resettlement pathway referred to",
    "Referral.referredOn": "The day of the referral",
    "Referral.open": "Whether the referral is still open",
    "Pathway.ACCOMMODATION": "Accommodation",
    "Pathway.EDUCATION_TRAINING_EMPLOYMENT": "Education, training and employment",
    "Pathway.HEALTH": "Health",
    "Pathway.DRUGS_ALCOHOL": "Drugs and alcohol",
    "Pathway.FINANCE_BENEFIT_DEBT": "Finance, benefit and debt",
    "Pathway.CHILDREN_FAMILIES": "Children and families",
    "Pathway.ATTITUDES_THINKING_BEHAVIOUR": "Attitudes, thinking and behaviour",
    # ---- housing ----
    "HousingRecord.address": "The current address; null for no fixed abode and rough sleeping",
    "HousingRecord.accommodationStatus": "The current accommodation status",
    "HousingRecord.statusSince": "The day the current accommodation status began",
    "HousingRecord.dutyStage": "The Homelessness Reduction Act duty the council owes now",
    "Address": "A postal address",
    "Address.line": "The address lines before the postcode",
    "Address.postcode": "The full postcode",
    "Address.uprn": "Unique Property Reference Number, where known",
    "AccommodationStatus.SETTLED": "Settled accommodation (a tenancy or owned home)",
    "AccommodationStatus.TRANSIENT": "Transient: staying with friends or family, sofa surfing",
    "AccommodationStatus.APPROVED_PREMISES": "Approved premises (probation hostel)",
    "AccommodationStatus.TEMPORARY": "Temporary accommodation provided by the council",
    "AccommodationStatus.NFA": "No fixed abode",
    "AccommodationStatus.ROUGH_SLEEPING": "Rough sleeping",
    "DutyStage.NONE": "No homelessness duty owed",
    "DutyStage.PREVENTION": "Prevention duty: threatened with homelessness within 56 days",
    "DutyStage.RELIEF": "Relief duty: homeless, the council helping to secure accommodation",
    "DutyStage.MAIN_DUTY": "Main housing duty",
    "DutyToRefer.referredOn": "The day of the referral",
    "DutyToRefer.referringAgency": "The public body that referred (e.g. probation, a prison)",
    "DutyToReferStatus.RECEIVED": "Received by the council",
    "DutyToReferStatus.ACCEPTED": "Accepted: the council is acting on it",
    "DutyToReferStatus.CLOSED": "Closed",
    "Placement": "An accommodation placement",
    "Placement.kind": "The kind of placement",
    "Placement.provider": "Who provides it",
    "Placement.startsOn": "Its first day",
    "Placement.endsOn": "Its last day; null while open-ended",
    "PlacementKind.TRANSITIONAL": "Transitional accommodation (CAS3) after release",
    "PlacementKind.APPROVED_PREMISES": "Approved premises",
    "PlacementKind.TEMPORARY": "Temporary accommodation",
    "PlacementKind.SUPPORTED": "Supported housing",
    # ---- treatment ----
    "TreatmentRecord.service": "The treatment service the person is with",
    "TreatmentRecord.episodes": "Treatment episodes, newest first",
    "TreatmentRecord.ostPrescriptions": "Opioid substitution therapy prescriptions, newest first",
    "TreatmentRecord.requirements": "Court-ordered treatment requirements",
    "TreatmentRecord.appointments": "Appointments, newest first",
    "TreatmentRecord.consents": "The person's consents to share their treatment record",
    "TreatmentEpisode": "A treatment episode",
    "TreatmentEpisode.substance": "The main substance treated",
    "TreatmentEpisode.startedOn": "The day the episode began",
    "TreatmentEpisode.endedOn": "The day it ended; null while in treatment",
    "TreatmentEpisode.dischargeReason": "Why it ended (completed, dropped out...)",
    "Substance.OPIATES": "Opiates",
    "Substance.CRACK": "Crack cocaine",
    "Substance.COCAINE": "Powder cocaine",
    "Substance.ALCOHOL": "Alcohol",
    "Substance.CANNABIS": "Cannabis",
    "Substance.BENZODIAZEPINES": "Benzodiazepines",
    "Substance.OTHER": "Another substance",
    "OstPrescription.medication": "The medication (methadone, buprenorphine...)",
    "OstPrescription.dailyDoseMg": "The daily dose in milligrams",
    "OstPrescription.prescriber": "Who prescribes it",
    "OstPrescription.startedOn": "The first day of the prescription",
    "OstPrescription.endedOn": "The last day; null while it continues",
    "TreatmentRequirement": "A treatment requirement of a court order or licence",
    "TreatmentRequirement.kind": "The kind of requirement",
    "TreatmentRequirement.startsOn": "Its first day",
    "TreatmentRequirement.endsOn": "Its last day",
    "RequirementKind.DRR": "Drug rehabilitation requirement",
    "RequirementKind.ATR": "Alcohol treatment requirement",
    "RequirementKind.MHTR": "Mental health treatment requirement",
    "AppointmentKind.ASSESSMENT": "Assessment",
    "AppointmentKind.KEYWORK": "Keywork session",
    "AppointmentKind.PRESCRIBING": "Prescribing review",
    "AppointmentKind.REVIEW": "Care plan review",
    "Appointment.scheduledAt": "When it is (or was) scheduled",
    "Appointment.attended": "Whether the person attended; null while it is still to come",
    "Consent.shareWith": "The agency the person agreed to share with",
    "Consent.recordedOn": "The day the consent was recorded",
    "Consent.withdrawnOn": "The day it was withdrawn; null while in force",
    # ---- employment ----
    "EmploymentRecord.employmentStatus": "The current employment status",
    "EmploymentRecord.statusSince": "The day the current status began",
    "EmploymentRecord.adviser": "The work coach supporting the person",
    "EmploymentStatus.EMPLOYED": "In paid employment",
    "EmploymentStatus.SELF_EMPLOYED": "Self-employed",
    "EmploymentStatus.UNEMPLOYED_CLAIMING": "Unemployed and claiming benefit",
    "EmploymentStatus.NOT_SEEKING": "Not seeking work",
    "EmploymentAdviser.name": "The work coach's name",
    "EmploymentAdviser.office": "Their jobcentre or office",
    "EmploymentAdviser.phone": "Their work phone",
    "EteReferral.kind": "What the referral is to",
    "EteReferral.referredOn": "The day of the referral",
    "EteReferral.startedOn": "The day the person started; null until they do",
    "EteReferral.status": "Where the referral stands",
    "EteKind.EDUCATION": "Education",
    "EteKind.TRAINING": "Training",
    "EteKind.EMPLOYMENT": "Employment support",
    "EteReferralStatus.OPEN": "Referred, not yet started",
    "EteReferralStatus.STARTED": "Started",
    "EteReferralStatus.CLOSED": "Closed",
    "Job.employer": "The employer",
    "Job.startsOn": "The first day of the job",
    "Job.endsOn": "The last day; null while in the job",
    "Job.hoursPerWeek": "Contracted hours a week",
    # ---- people lists ----
    "PersonConnection": "A page of people (Relay connection)",
    "PersonConnection.edges": "The people on this page, in order",
    "PersonConnection.pageInfo": "Where this page is in the list",
    "PersonEdge": "One person on a page, with the cursor that points at them",
    "PersonEdge.cursor": "Pass as `after` for the page after this person",
    "PersonEdge.node": "The person",
    "PeopleFilter.iomCohorts": "IOM cohort (police)",
    "PeopleFilter.mappaLevels": "MAPPA level (probation)",
    "PeopleFilter.ogrsBands": "OGRS band (probation)",
    "PeopleFilter.accommodationStatuses": "Accommodation status (housing)",
    "DateRange.from": "The first day, inclusive; null: open",
    "DateRange.to": "The last day, inclusive; null: open",
    "PersonOrder.field": "What to order by",
    "PersonOrder.direction": "Ascending or descending; people without a value come last either way",
    "PersonOrderField.PERSON_ID": "Hub person id",
    "PersonOrderField.SURNAME": "Surname (the identity's name)",
    "PersonOrderField.DATE_OF_BIRTH": "Date of birth",
    "PersonOrderField.LATEST_ARREST": "The time of the latest arrest (police)",
    "PersonOrderField.OGRS_SCORE": "OGRS score (probation)",
    "PersonOrderField.RELEASE_DATE": "The latest release date (probation)",
    "OrderDirection.ASC": "Ascending",
    "OrderDirection.DESC": "Descending",
    # ---- counts ----
    "CountTable.measure": "The measure counted",
    "CountTable.field": "The field whose values the cells count",
    "CountTable.threshold": "Cells below this many people (and the cells that would reveal them) are suppressed",
    "CountTable.cells": "One cell per value and breakdown",
    "CountTable.total": "Everyone counted; null where showing it would reveal a suppressed cell",
    "CountCell": "How many people have one value (within one breakdown)",
    "CountCell.value": "The value counted, lower case; not_known where the agency answering holds no record",
    "CountCell.suppressed": "True when the count is withheld as too small (shown as zero)",
    "BreakdownValue": "One breakdown of a cell: its dimension and value",
    "BreakdownValue.dimension": "The breakdown",
    "BreakdownValue.value": "Its value for this cell",
    "CountBreakdown.IOM_COHORT": "By police IOM cohort (none outside it)",
    "CountBreakdown.RELEASE_TYPE": "By probation's release type",
    "CountBreakdown.BOROUGH": "By housing's last known borough (NFA: the last borough lived in)",
    # ---- access ----
    "MyAccessReport.roles": "Your roles, from your token",
    "MyAccessReport.purpose": "The purpose of use you stated",
    "MyAccessReport.legalBasis": "The purpose's legal basis",
    "MyAccessReport.justificationRequired": "Whether this purpose needs an X-Justification header",
    "MyAccessReport.policyVersion": "The version (content hash) of the policy in force",
    "MyAccessReport.fields": "Every governed field, as the agreements treat it for you",
    "FieldAccess.group": "The field group of the agreement it belongs to",
    "FieldAccess.effect": "Shown, shown masked, or withheld",
    "FieldAccess.mask": "The mask applied, where masked",
    "FieldAccess.agreement": "The information sharing agreement",
    "FieldAccess.clause": "The clause that decides it",
    "FieldAccess.legalBasis": "The legal basis it rests on",
    "FieldAccess.summary": "The decision in words",
    "AccessEffect.ALLOW": "Shown as held",
    "AccessEffect.MASK": "Shown only through a mask",
    "AccessEffect.DENY": "Withheld",
    "AccessExplanation.field": "The field explained",
    "AccessExplanation.role": "The role asked about",
    "AccessExplanation.purpose": "The purpose asked about",
    "AccessExplanation.purposePermitted": "Whether the role may state the purpose at all",
    "AccessExplanation.decision": "How the field is treated; null where the purpose is not permitted",
    "AccessExplanation.reason": "Why, in words",
    # ---- audit ----
    "AuditRecordConnection": "A page of audit records, newest first",
    "AuditRecordConnection.edges": "The records on this page",
    "AuditRecordConnection.pageInfo": "Where this page is in the trail",
    "AuditRecordEdge": "One audit record on a page, with its cursor",
    "AuditRecordEdge.cursor": "Pass as `after` for the records before this one",
    "AuditRecordEdge.node": "The record",
    "AuditRecord.seq": "Its position in the trail",
    "AuditRecord.occurredAt": "When the request was made",
    "AuditRecord.actorId": "Who asked: the token's subject, or anonymous",
    "AuditRecord.actorKind": "A user or a partner system",
    "AuditRecord.agency": "The agency that issued the caller's token",
    "AuditRecord.roles": "The caller's roles",
    "AuditRecord.purpose": "The purpose of use stated",
    "AuditRecord.justification": "The justification given (X-Justification)",
    "AuditRecord.legalBases": "The legal bases of what was released",
    "AuditRecord.clauses": "The agreement clauses applied",
    "AuditRecord.operationName": "The GraphQL operation's name",
    "AuditRecord.operationType": "query",
    "AuditRecord.queryHash": "HMAC-SHA256 of the normalised query under the deployment's secret",
    "AuditRecord.variablesHash": "HMAC-SHA256 of the variables under the deployment's secret",
    "AuditRecord.subjects": "The hub person ids whose data was disclosed or consulted",
    "AuditRecord.disclosed": "The fields disclosed, by agency",
    "AuditRecord.withheld": "The fields asked for and withheld, with the clause",
    "AuditRecord.masked": "The fields disclosed only masked, with the clause",
    "AuditRecord.outcome": "ok, partial, refused, unauthenticated, malformed or error",
    "AuditRecord.errorCodes": "The error codes of the response",
    "AuditRecord.latencyMs": "How long the request took, in milliseconds",
    "AuditRecord.policyVersion": "The version of the policy the request was judged under",
    "AuditRecord.traceId": "The trace id, to find the request in logs and traces",
    "AuditRecord.sourceAddress": "The address the request came from",
    "AuditRecord.hash": "This record's hash in the chain",
    "AuditRecord.prevHash": "The hash of the record before it",
    "AgencyFields": "Fields of one agency's records",
    "AgencyFields.agency": "The agency",
    "AgencyFields.fields": "Its fields, as Type.field",
    "FieldClause": "A field and the clause that decided it",
    "FieldClause.field": "The field, as Type.field",
    "FieldClause.clause": "The agreement clause",
    "AuditEventFilter.actor": "Who asked (token subject)",
    "AuditEventFilter.agency": "The caller's agency",
    "AuditEventFilter.role": "A role the caller held",
    "AuditEventFilter.purpose": "The purpose of use stated",
    "AuditEventFilter.outcome": "What became of the request",
    "AuditEventFilter.since": "At or after this time",
    "AuditEventFilter.until": "Before this time",
    "SubjectAccessReport.personId": "The person the report is about",
    "SubjectAccessReport.disclosures": "Every recorded request concerning them, newest first",
    "SubjectDisclosure.seq": "The audit record's position in the trail",
    "SubjectDisclosure.occurredAt": "When the request was made",
    "SubjectDisclosure.actorId": "Who asked",
    "SubjectDisclosure.actorKind": "A user or a partner system",
    "SubjectDisclosure.agency": "The caller's agency",
    "SubjectDisclosure.roles": "The caller's roles",
    "SubjectDisclosure.purpose": "The purpose of use stated",
    "SubjectDisclosure.justification": "The justification given",
    "SubjectDisclosure.legalBases": "The legal bases of what was released",
    "SubjectDisclosure.clauses": "The agreement clauses applied",
    "SubjectDisclosure.operationName": "The GraphQL operation's name",
    "SubjectDisclosure.outcome": "What became of the request",
    "SubjectDisclosure.traceId": "The trace id of the request",
    "FieldReason": "A field and why it was withheld",
    "FieldReason.field": "The field, as Type.field",
    "FieldReason.reason": "Why it was withheld (denied, not on caseload...)",
    "AuditIntegrity.ok": "True when every check passed",
    "AuditIntegrity.records": "How many records were checked",
    "AuditIntegrity.checkpoints": "How many signed checkpoints were checked",
    "AuditIntegrity.firstBadSeq": "The first record that failed a check, if any",
    "AuditIntegrity.problem": "What failed, in words",
    "AuditIntegrity.headSeq": "The newest record's position",
    "AuditIntegrity.headHash": "The newest record's hash",
})
