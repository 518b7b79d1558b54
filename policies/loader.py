"""Loading a policy directory: read, validate, plan. A broken directory never loads.

The directory holds model.conf, fields.csv and agreements/ (purposes.csv, roles.csv, <owner>-isa.csv); a flat
folder holding all of them (a ConfigMap mounted whole) works too.
"""

from __future__ import annotations

from pathlib import Path

from hub.core.errors import ConfigurationError
from hub.core.settings import Settings
from policies.agreements import agreement_files, agreements_dir, load_agreements
from policies.catalogue import load_catalogue
from policies.planner import build_enforcer, plan_groups
from policies.policy_set import PolicySet
from policies.roles import RoleAgencies, load_roles
from policies.sources import Problem, content_hash
from policies.validate import cross_check
from policies.vocabulary import FIELDS_FILE, ROLES_FILE

MODEL_FILE = "model.conf"
PACKAGED = Path(__file__).resolve().parent


class PolicyInvalid(ConfigurationError):
    """The policy files have errors; the message lists them (file:line: what is wrong)."""

    code = "POLICY_INVALID"

    def __init__(self, problems: list[Problem]) -> None:
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in the policy files:\n" + "\n".join(map(str, errors)))
        self.problems = problems


def policy_dir(settings: Settings | None = None) -> Path:
    return settings.policy_dir if settings is not None and settings.policy_dir is not None else PACKAGED


def policy_files(directory: Path) -> list[Path]:
    """Every file whose content is part of the policy (and of its version hash)."""
    return [directory / MODEL_FILE, directory / FIELDS_FILE, *agreement_files(directory)]


def check_policy(directory: Path) -> tuple[PolicySet | None, list[Problem]]:
    """The loaded policy (None if there are errors) and every problem found, errors first."""
    problems: list[Problem] = []
    version = content_hash(policy_files(directory))
    catalogue = load_catalogue(directory, problems)
    agreements = load_agreements(directory, problems)
    problems += cross_check(catalogue, agreements)
    policy = None
    if not any(p.severity == "error" for p in problems):
        try:
            enforcer = build_enforcer(directory / MODEL_FILE, agreements.rules)
            groups = plan_groups(enforcer, agreements)
        except Exception as exc:  # pycasbin raises bare exceptions for a bad model
            problems.append(Problem(MODEL_FILE, 0, f"the Casbin model does not load: {exc.__class__.__name__}: {exc}"))
        else:
            policy = PolicySet(version, directory, catalogue, agreements, groups)
    problems.sort(key=lambda p: p.severity != "error")
    return policy, problems


def load_policy(directory: Path) -> PolicySet:
    policy, problems = check_policy(directory)
    if policy is None:
        raise PolicyInvalid(problems)
    return policy


def load_role_agencies(directory: Path) -> RoleAgencies:
    """roles.csv alone (``hub token``, an authenticator outside a serving hub); PolicyInvalid on errors."""
    problems: list[Problem] = []
    roles = load_roles(agreements_dir(directory) / ROLES_FILE, problems)
    if any(p.severity == "error" for p in problems):
        raise PolicyInvalid(problems)
    return roles
