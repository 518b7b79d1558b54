"""The GraphQL documents the console's pages send: every page view is one (audited) operation."""

SEARCH = """query ConsoleSearch($filter: AuditEventFilter, $first: Int!, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    edges { node { seq occurredAt actorId agency roles purpose outcome operationName subjects } }
    pageInfo { hasNextPage endCursor }
  }
}"""

SUBJECT = """query ConsoleSubject($scheme: IdentifierScheme!, $value: String!) {
  auditSubject(scheme: $scheme, value: $value)
}"""

RECORD = """query ConsoleRecord($seq: Int!, $subjects: Int!) {
  auditRecord(seq: $seq, subjects: $subjects) {
    record { seq occurredAt actorId actorKind agency roles purpose justification legalBases clauses
      operationName operationType outcome errorCodes latencyMs policyVersion traceId sourceAddress hash prevHash
      subjects disclosed { agency fields } withheld { field clause } masked { field clause } }
    subjects { personId disclosure { disclosed masked { field clause } withheld { field reason } consulted perPerson } }
    moreSubjects
  }
}"""

REPORT = """query ConsoleSubjectAccess($personId: ID!) {
  subjectAccessReport(personId: $personId) {
    personId
    disclosures { seq occurredAt actorId actorKind agency roles purpose justification legalBases clauses
      operationName outcome traceId disclosed masked { field clause } withheld { field reason } consulted perPerson }
  }
}"""

INTEGRITY = """query ConsoleIntegrity {
  auditIntegrity { ok records checkpoints firstBadSeq problem headSeq headHash treeRoot witnessConsulted
    witnessedCheckpoints lastCheckpoint { size signedAt keyId root note } }
}"""

AGREEMENTS = """query ConsoleAgreements($role: Role) {
  agreementMatrix(role: $role) { role purpose group owner effect condition clause agreement legalBasis }
}"""

HOLDINGS = """query ConsolePeopleHolding($owners: [String!]!) {
  peopleHoldingRecords(owners: $owners) { owner people }
}"""
