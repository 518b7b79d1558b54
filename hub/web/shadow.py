"""``HUB_POLICY_SHADOW``: a candidate version of the agreements judged beside the live one on real
traffic, releasing nothing; where the two would differ, one line per field goes to the shadow log.

Each line (JSON) names the time, the trace id, the caller's user, agency, roles and purpose, both policy
versions, the field, the live and the candidate effect, and how many people's values of it the request
touched: never a value, never a person id. The log is ``policy-shadow.jsonl`` in the data folder;
``hub policy shadow-report`` sums it up for information governance.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from hub.core.errors import ConfigurationError
from hub.core.settings import Settings
from policies.decisions import AccessPlan
from policies.loader import PolicyInvalid, load_policy
from policies.policy_set import PolicySet
from policies.shadow import compare, touched_fields
from schema.governance.context import Caller
from schema.governance.gate import Ledger

LOG_NAME = "policy-shadow.jsonl"


def shadow_log(settings: Settings) -> Path:
    return settings.data_dir / LOG_NAME


class Shadow:
    def __init__(self, candidate: PolicySet, log: Path) -> None:
        self.candidate = candidate
        self.log = log
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Shadow | None:
        if settings.policy_shadow is None:
            return None
        try:
            candidate = load_policy(settings.policy_shadow)
        except PolicyInvalid as exc:
            raise ConfigurationError(f"HUB_POLICY_SHADOW: the candidate policy is invalid: {exc}") from None
        return cls(candidate, shadow_log(settings))

    def observe(self, plan: AccessPlan, caller: Caller, ledger: Ledger, trace_id: str | None) -> int:
        """Compare what one operation touched under both versions; the number of differences logged."""
        people = [(*a.disclosed, *a.masked, *a.withheld, *a.consulted) for a in ledger.access.values()]
        aggregates = [key for agg in ledger.aggregates for key in agg.fields]
        touched = touched_fields(people, aggregates)
        touched.update({w.field_key: touched.get(w.field_key, 0) for w in ledger.withheld.values()})
        differences = compare(plan, self.candidate, touched)
        if not differences:
            return 0
        at = datetime.now(UTC).isoformat()
        lines = "".join(json.dumps({
            "at": at, "traceId": trace_id, "actor": caller.subject, "agency": caller.agency,
            "roles": list(plan.roles), "purpose": plan.purpose, "liveVersion": plan.policy_version,
            "shadowVersion": self.candidate.version, "field": d.field, "live": d.live, "shadow": d.shadow,
            "people": d.people}) + "\n" for d in differences)
        self._append(lines)
        return len(differences)

    def _append(self, lines: str) -> None:
        # One write per operation with O_APPEND: the lines of concurrent workers never interleave.
        with self._lock:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, lines.encode())
            finally:
                os.close(fd)
