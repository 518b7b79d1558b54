"""Headless Chromium (Debian's package, driven by Playwright; no browser download) for browser tests.

Required in CI (``.ci/run`` installs it); skipped locally when the machine has no Chromium.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright

#: As the machine's own probe starts it: no sandbox as root, nothing fetched in the background.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("CI") == "true":
        pytest.fail("CI must run the browser tests: no chromium on PATH (apt-get install chromium)")
    return found


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium on this machine (CI installs Debian's chromium)")
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=path, headless=True, args=FLAGS)
        try:
            yield launched
        finally:
            await launched.close()
