"""Agency services as real processes on loopback (``hub agency serve``), and a misbehaving one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from connectors.registry import AGENCIES
from hub.core.settings import AgencyService, Settings
from tests.production.test_replicas import ROOT, free_port


@dataclass(frozen=True)
class Running:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    secret_file: Path


def wait_until_up(url: str, process: subprocess.Popen[bytes], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = process.stderr.read().decode()[-2000:] if process.stderr else ""
            raise AssertionError(f"{what} did not start: {said}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{what} did not answer in {seconds} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def agency_services(agency_urls: Mapping[str, str], data_dir: Path,
                    names: tuple[str, ...] | None = None) -> Iterator[dict[str, Running]]:
    """``hub agency serve`` for each agency over its database in ``agency_urls``; keys and client secrets
    are generated under ``data_dir``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HUB_ENV": "test", "HUB_DATA_DIR": str(data_dir),
           **{f"HUB_{a.upper()}_DB": url for a, url in agency_urls.items()}}
    running: dict[str, Running] = {}
    try:
        for name in names or tuple(a.name for a in AGENCIES):
            port = free_port()
            process = subprocess.Popen(
                [sys.executable, "-m", "hub.cli", "agency", "serve", name, "--port", str(port), "--no-seed"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            running[name] = Running(name, f"http://127.0.0.1:{port}", process,
                                    data_dir / "keys" / f"{name}-api-client.secret")
        for r in running.values():
            wait_until_up(r.url, r.process, f"the {r.name} service")
        yield running
    finally:
        for r in running.values():
            stop(r.process)


def over_http(settings: Settings, running: Mapping[str, Running], **service: object) -> Settings:
    """``settings`` with each running agency reached over its API instead of its database."""
    services = {name: AgencyService(api=r.url, client_secret_file=r.secret_file, **service)  # type: ignore[arg-type]
                for name, r in running.items()}
    return settings.model_copy(update={"agency_services": {**settings.agency_services, **services}})
