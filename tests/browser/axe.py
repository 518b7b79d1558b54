"""axe-core (from the npm registry, tests/js) run inside a page by Playwright: the accessibility check of
WCAG 2.2 AA that UK public-sector sites must meet."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page

AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@cache
def axe_source() -> str:
    if not AXE.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the accessibility checks: `make test` installs axe-core with npm ci in tests/js")
        pytest.skip("axe-core is not installed (npm ci in tests/js)")
    return AXE.read_text()


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    """What axe finds serious or critical on the page as it is now (rule id, impact, the elements)."""
    # Evaluated through the DevTools protocol, so the page's CSP (no script at all) does not stop it.
    await page.evaluate(axe_source() + "\n;0")
    found: list[dict[str, Any]] = await page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))", TAGS)
    return found
