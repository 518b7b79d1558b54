"""deploy/ is checked like code: Kubernetes manifests against the API schemas, the compose file
against the compose specification, and the policy ConfigMap against the policy files it ships."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from policies.cli import configmap
from policies.loader import PACKAGED, load_policy, policy_files

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


def test_deployment_mounts_the_policy_configmap_whole_as_a_flat_policy_folder(tmp_path: Path) -> None:
    deployment = (DEPLOY / "k8s" / "deployment.yaml").read_text()
    assert "name: hub-policies" in deployment and "items:" not in deployment.split("name: hub-policies", 1)[1][:200]
    # The ConfigMap's keys, written out as files side by side, load as the packaged policy does.
    shipped = yaml.safe_load((DEPLOY / "k8s" / "policies-configmap.yaml").read_text())["data"]
    assert set(shipped) == {p.name for p in policy_files(PACKAGED)}
    for name, text in shipped.items():
        (tmp_path / name).write_text(text)
    assert load_policy(tmp_path).version == load_policy(PACKAGED).version


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
