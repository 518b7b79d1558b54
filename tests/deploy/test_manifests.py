"""deploy/ is checked like code: Kubernetes manifests against the API schemas, the compose file
against the compose specification, and the policy ConfigMap against the policy files it ships."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from policies.cli import configmap, configmap_key
from policies.loader import PACKAGED, policy_files

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
BIN = Path(sys.executable).parent
MANIFESTS = sorted((DEPLOY / "k8s").glob("*.yaml"))


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.name)
def test_kubernetes_manifest_is_valid(manifest: Path) -> None:
    result = run(str(BIN / "kubernetes-validate"), "--strict", str(manifest))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validator_rejects_a_broken_manifest(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text((DEPLOY / "k8s" / "service.yaml").read_text().replace("port: 80", "port: eighty"))
    assert run(str(BIN / "kubernetes-validate"), "--strict", str(broken)).returncode != 0


def test_compose_file_matches_the_compose_specification() -> None:
    result = run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(DEPLOY / "compose.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_policy_configmap_is_generated_from_the_shipped_policies() -> None:
    shipped = (DEPLOY / "k8s" / "policies-configmap.yaml").read_text()
    assert shipped == configmap(PACKAGED, "hub-policies", "partnership-hub"), \
        "regenerate: hub policy configmap > deploy/k8s/policies-configmap.yaml"


def test_deployment_mounts_every_policy_file_at_its_path() -> None:
    deployment = (DEPLOY / "k8s" / "deployment.yaml").read_text()
    items = dict(re.findall(r"\{key: ([\w.-]+), path: ([\w./-]+)\}", deployment))
    expected = {configmap_key(p.relative_to(PACKAGED).as_posix()): p.relative_to(PACKAGED).as_posix()
                for p in policy_files(PACKAGED)}
    assert items == expected


def test_image_runs_as_non_root_with_a_healthcheck() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^USER 10001", dockerfile, re.M) and "HEALTHCHECK" in dockerfile
    deployment = (DEPLOY / "k8s" / "deployment.yaml").read_text()
    assert "runAsNonRoot: true" in deployment and "path: /readyz" in deployment and "path: /healthz" in deployment


def test_no_secret_values_are_committed() -> None:
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert "BEGIN PRIVATE KEY" not in text and "BEGIN OPENSSH PRIVATE KEY" not in text, path
            assert not re.search(r"kind:\s*Secret\b", text), f"{path}: Secrets are referenced, never committed"
