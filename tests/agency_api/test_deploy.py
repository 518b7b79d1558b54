"""deploy/: every registered agency runs as its own service beside the hub, which alone may call it, with its
secrets referenced (the manifests' schema validity is tests/deploy's, which globs every manifest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from connectors.registry import AGENCIES

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _docs(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((DEPLOY / "k8s" / name).read_text()) if d]


def test_every_agency_has_its_service_reading_its_secrets_by_reference() -> None:
    docs = _docs("agency-apis.yaml")
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    services = {d["metadata"]["name"] for d in docs if d["kind"] == "Service"}
    assert set(deployments) == services == {f"{a.name}-api" for a in AGENCIES}
    for a in AGENCIES:
        container = deployments[f"{a.name}-api"]["spec"]["template"]["spec"]["containers"][0]
        assert container["args"][:3] == ["agency", "serve", a.name]
        env = {e["name"]: e for e in container["env"]}
        for variable in (f"HUB_{a.name.upper()}_DB", f"HUB_{a.name.upper()}_CLIENT_SECRET"):
            assert env[variable]["valueFrom"]["secretKeyRef"]["name"] == f"agency-{a.name}", variable
        assert env["HUB_ENV"]["value"] == "production"


def test_only_the_hub_reaches_an_agency_service() -> None:
    [policy] = [d for d in _docs("agency-apis.yaml") if d["kind"] == "NetworkPolicy"]
    assert policy["spec"]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "agency-api"}
    [rule] = policy["spec"]["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "partnership-hub"}}}]
    [hub] = _docs("networkpolicy.yaml")
    assert any(to.get("podSelector", {}).get("matchLabels") == {"app.kubernetes.io/name": "agency-api"}
               for rule in hub["spec"]["egress"] for to in rule.get("to", []))
