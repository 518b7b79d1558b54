"""The registered agencies' connectors, by agency name."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from hub.core.agency import Agency, Connector, SourceUnavailable
from hub.core.db import create_engine


class Agencies(Mapping[str, Connector[Any]]):
    """Each registered agency's connector, and its descriptor, in registration order."""

    def __init__(self, connected: Iterable[tuple[Agency, Connector[Any]]]) -> None:
        pairs = list(connected)
        self.descriptors: Mapping[str, Agency] = {agency.name: agency for agency, _ in pairs}
        self._connectors: dict[str, Connector[Any]] = {agency.name: connector for agency, connector in pairs}

    @classmethod
    def connect(cls, agencies: Iterable[Agency], url_of: Callable[[str], str]) -> Agencies:
        """A connector per agency over its database (``url_of(name)``)."""
        return cls((a, a.connect(create_engine(url_of(a.name)))) for a in agencies)

    def __getitem__(self, name: str) -> Connector[Any]:
        return self._connectors[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._connectors)

    def __len__(self) -> int:
        return len(self._connectors)

    async def health(self) -> dict[str, str | None]:
        """Per agency: None when it answers, else the kind of failure (never the details)."""

        async def check(c: Connector[Any]) -> str | None:
            try:
                await asyncio.wait_for(c.health(), timeout=3)
            except SourceUnavailable as exc:
                return exc.failure
            except Exception as exc:  # any failure means not ready
                return type(exc).__name__
            return None

        names = list(self._connectors)
        results = await asyncio.gather(*(check(c) for c in self._connectors.values()))
        return dict(zip(names, results, strict=True))

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self._connectors.values()))
