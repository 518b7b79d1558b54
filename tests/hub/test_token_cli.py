"""``hub token`` signs with the running hub's keys, and says so loudly when it has to make new ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jwt
import pytest

from hub.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
TOKEN = [sys.executable, "-m", "hub.cli", "token", "--user", "om-001", "--agency", "probation",
         "--role", "probation-practitioner"]


def token(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return subprocess.run(TOKEN, cwd=cwd, env={**clean, **env}, capture_output=True, text=True, timeout=60, check=False)


def test_run_from_another_folder_the_hub_uses_the_projects_data_folder(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HUB_DATA_DIR", raising=False)
    assert Settings.from_env({}).data_dir == ROOT / "data"
    assert Settings.from_env({"HUB_DATA_DIR": str(tmp_path)}).data_dir == tmp_path


def test_new_keys_are_announced_once_and_the_token_verifies_with_them(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = token(tmp_path, {"HUB_DATA_DIR": str(data)})
    assert first.returncode == 0, first.stderr
    assert "WARNING: created a new development key pair" in first.stderr and str(data / "keys") in first.stderr
    again = token(tmp_path, {"HUB_DATA_DIR": str(data)})
    assert again.returncode == 0 and again.stderr == ""
    public = (data / "keys" / "jwt-public.pem").read_bytes()
    claims = jwt.decode(again.stdout.strip(), public, algorithms=["EdDSA"], audience=Settings.from_env(
        {"HUB_DATA_DIR": str(data)}).jwt_audience)
    assert claims["sub"] == "om-001" and claims["roles"] == ["probation-practitioner"]
