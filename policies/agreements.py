"""The agreement files: purposes.csv (who may use which purpose), roles.csv (which agencies may
hold each role, policies/roles.py) and ``<owner>-isa.csv`` rules.

A rule says what one role, under one purpose (or ``*``: each purpose the role is permitted),
receives of one field group: allow, ``mask:<mask>`` or deny, optionally only under a condition,
and names the agreement, clause and legal basis it rests on. An empty legal basis means the
stated purpose's basis from purposes.csv.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from policies.roles import RoleAgencies, load_roles
from policies.sources import Problem, Row, read_rows
from policies.vocabulary import (
    AGREEMENT_OWNERS,
    ANY_PURPOSE,
    CONDITIONS,
    GROUPS,
    MASKS,
    PURPOSE_COLUMNS,
    PURPOSES,
    PURPOSES_FILE,
    ROLES,
    ROLES_FILE,
)

AGREEMENTS_DIR = "agreements"

RULE_COLUMNS = ("role", "purpose", "group", "effect", "condition", "aggregate", "agreement", "clause", "legal_basis")


@dataclass(frozen=True, slots=True)
class PurposeEntry:
    purpose: str
    roles: frozenset[str]
    justification_required: bool
    legal_basis: str


@dataclass(frozen=True, slots=True)
class Rule:
    role: str
    purpose: str  # a purpose or "*"
    group: str
    effect: str  # allow | mask | deny
    mask: str | None
    condition: str | None
    aggregate: bool
    agreement: str
    clause: str
    legal_basis: str  # "" = the purpose's basis
    source: str  # file:line, for lint messages and explain

    def casbin_line(self) -> list[str]:
        """The rule as a Casbin policy line (see model.conf: p = role, purpose, group, ...)."""
        effect = f"mask:{self.mask}" if self.effect == "mask" else self.effect
        return [self.role, self.purpose, self.group, effect, self.condition or "",
                "yes" if self.aggregate else "", self.agreement, self.clause, self.legal_basis]


@dataclass(frozen=True)
class Agreements:
    purposes: Mapping[str, PurposeEntry]
    rules: tuple[Rule, ...]
    files: tuple[Path, ...]
    roles: RoleAgencies


def agreements_dir(policy_dir: Path) -> Path:
    """Where the agreement files are: ``agreements/`` as packaged, or the policy folder itself when it is
    flat (a Kubernetes ConfigMap mounted whole, so an agency joining adds files without a manifest change)."""
    nested = policy_dir / AGREEMENTS_DIR
    return nested if nested.is_dir() else policy_dir


def isa_files(policy_dir: Path) -> list[Path]:
    return sorted(agreements_dir(policy_dir).glob("*-isa.csv"))


def agreement_files(policy_dir: Path) -> list[Path]:
    folder = agreements_dir(policy_dir)
    return [*isa_files(policy_dir), folder / PURPOSES_FILE, folder / ROLES_FILE]


def load_agreements(policy_dir: Path, problems: list[Problem]) -> Agreements:
    folder = agreements_dir(policy_dir)
    purposes = _purposes(folder / PURPOSES_FILE, problems)
    roles = load_roles(folder / ROLES_FILE, problems)
    rules: list[Rule] = []
    isa = isa_files(policy_dir)
    files = [*isa, folder / PURPOSES_FILE, folder / ROLES_FILE]
    if not isa:
        problems.append(Problem(AGREEMENTS_DIR, 0, "no <owner>-isa.csv agreement files"))
    for path in isa:
        owner = path.name.removesuffix("-isa.csv")
        if owner not in AGREEMENT_OWNERS:
            problems.append(Problem(path.name, 0, f"unknown agreement owner {owner!r} "
                                                  f"(expected one of {', '.join(AGREEMENT_OWNERS)})"))
            continue
        for row in read_rows(path, RULE_COLUMNS, problems):
            rule = _rule(row, purposes, problems)
            if rule is not None:
                rules.append(rule)
    return Agreements(MappingProxyType(purposes), tuple(rules), tuple(files), roles)


def _purposes(path: Path, problems: list[Problem]) -> dict[str, PurposeEntry]:
    out: dict[str, PurposeEntry] = {}
    for row in read_rows(path, PURPOSE_COLUMNS, problems):
        v = row.values
        ok = True
        if v["purpose"] not in PURPOSES:
            problems.append(row.problem(f"unknown purpose {v['purpose']!r}"))
            ok = False
        elif v["purpose"] in out:
            problems.append(row.problem(f"purpose {v['purpose']} is listed twice"))
            ok = False
        for role in v["roles"].split():
            if role not in ROLES:
                problems.append(row.problem(f"unknown role {role!r} for purpose {v['purpose']}"))
                ok = False
        if v["justification"] not in ("yes", "no"):
            problems.append(row.problem(f"justification must be yes or no (found {v['justification']!r})"))
            ok = False
        if not v["legal_basis"]:
            problems.append(row.problem(f"purpose {v['purpose']} names no legal basis"))
            ok = False
        if ok:
            out[v["purpose"]] = PurposeEntry(v["purpose"], frozenset(v["roles"].split()),
                                             v["justification"] == "yes", v["legal_basis"])
    for purpose in PURPOSES:
        if out and purpose not in out:
            problems.append(Problem(path.name, 0, f"purpose {purpose} is not listed: nobody may use it", "warning"))
    return out


def _rule(row: Row, purposes: Mapping[str, PurposeEntry], problems: list[Problem]) -> Rule | None:
    v = row.values
    found: list[str] = []
    if v["role"] not in ROLES:
        found.append(f"unknown role {v['role']!r}")
    if v["purpose"] != ANY_PURPOSE and v["purpose"] not in PURPOSES:
        found.append(f"unknown purpose {v['purpose']!r}")
    elif v["purpose"] != ANY_PURPOSE and v["role"] not in purposes.get(v["purpose"], _NOBODY).roles:
        found.append(f"role {v['role']} is not permitted purpose {v['purpose']} (purposes.csv)")
    if v["group"] not in GROUPS:
        found.append(f"unknown group {v['group']!r}")
    kind, _, mask = v["effect"].partition(":")
    if kind not in ("allow", "mask", "deny") or (kind == "mask") != bool(mask):
        found.append(f"effect must be allow, deny or mask:<mask> (found {v['effect']!r})")
    elif mask and mask not in MASKS:
        found.append(f"unknown mask {mask!r}")
    condition = v["condition"] or None
    if condition is not None and condition not in CONDITIONS:
        found.append(f"unknown condition {condition!r}")
    if condition is not None and kind == "deny":
        found.append("a deny takes no condition")
    if v["aggregate"] not in ("", "yes", "no"):
        found.append(f"aggregate must be yes, no or empty (found {v['aggregate']!r})")
    elif v["aggregate"] == "yes" and kind != "deny":
        found.append("aggregate=yes marks a record-level deny; the effect must be deny")
    if not v["agreement"] or not v["clause"]:
        found.append("every rule names its agreement and clause")
    for message in found:
        problems.append(row.problem(message))
    if found:
        return None
    return Rule(v["role"], v["purpose"], v["group"], kind, mask or None, condition, v["aggregate"] == "yes",
                v["agreement"], v["clause"], v["legal_basis"], f"{row.file}:{row.line}")


_NOBODY = PurposeEntry("", frozenset(), False, "")
