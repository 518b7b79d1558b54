"""Reads of the person index: hub person ids and the agency identifiers linked to them."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from hub.core.db import IN_CHUNK, one_of
from hub.services.index.tables import person, person_link


@dataclass(frozen=True, slots=True)
class IndexedPerson:
    person_id: str
    surname: str
    forenames: str
    date_of_birth: date
    #: identifier scheme (an ``IdentifierScheme`` value) -> the agency's identifier
    links: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.forenames} {self.surname}"


#: People with their links, for a batch of ids bound as one expanding parameter (built once: building it
#: per page cost more than running it for one person). Ordered, so a person holding two identifiers in one
#: scheme always shows the same one.
_PEOPLE = (select(person, person_link.c.scheme, person_link.c.value)
           .outerjoin(person_link, person_link.c.person_id == person.c.person_id)
           .where(person.c.person_id.in_(bindparam("ids", expanding=True)))
           .order_by(person.c.person_id, person_link.c.scheme, person_link.c.value))


def _fold(rows: Iterable[Any], found: dict[str, IndexedPerson]) -> None:
    """Rows of a person joined to their links (in person order), folded into one IndexedPerson each."""
    for row in rows:
        p = found.get(row.person_id)
        if p is None:
            p = found[row.person_id] = IndexedPerson(row.person_id, row.surname, row.forenames, row.date_of_birth)
        if row.scheme is not None:
            p.links.setdefault(row.scheme, row.value)


class PersonIndex:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def get_many(self, person_ids: Iterable[str]) -> dict[str, IndexedPerson]:
        """People with their links, in one statement per chunk of ids."""
        ids = sorted(set(person_ids))
        found: dict[str, IndexedPerson] = {}
        async with self.engine.connect() as conn:
            for i in range(0, len(ids), IN_CHUNK):
                _fold(await conn.execute(_PEOPLE, {"ids": ids[i : i + IN_CHUNK]}), found)
        return found

    async def page(self, after: str | None, limit: int, holding: Sequence[tuple[str, Collection[str]]] = ()
                   ) -> list[IndexedPerson]:
        """The next ``limit`` people after ``after`` in id order, with their links, chosen and read in one
        statement; with ``holding``, only people holding one of the identifiers of each (scheme, identifiers)
        pair (the agencies' answers to a filter, matched to people by the index itself)."""
        chosen = select(person.c.person_id).order_by(person.c.person_id).limit(limit)
        if after is not None:
            chosen = chosen.where(person.c.person_id > after)
        for scheme, values in holding:
            where = self._links_among(scheme, values)
            if where is None:
                return []  # an agency matched no one
            chosen = chosen.where(person.c.person_id.in_(select(person_link.c.person_id).where(where)))
        stmt = (select(person, person_link.c.scheme, person_link.c.value)
                .outerjoin(person_link, person_link.c.person_id == person.c.person_id)
                .where(person.c.person_id.in_(chosen.scalar_subquery()))
                .order_by(person.c.person_id, person_link.c.scheme, person_link.c.value))
        found: dict[str, IndexedPerson] = {}
        async with self.engine.connect() as conn:
            _fold(await conn.execute(stmt), found)
        return list(found.values())

    async def find(self, scheme: str, value: str) -> str | None:
        async with self.engine.connect() as conn:
            stmt = select(person_link.c.person_id).where(
                person_link.c.scheme == scheme, person_link.c.value == value
            )
            result: str | None = (await conn.execute(stmt)).scalar_one_or_none()
            return result

    def _links_among(self, scheme: str, values: Iterable[str]) -> ColumnElement[bool] | None:
        """Where the ``scheme`` links hold one of ``values``, as one parameter (None: no values)."""
        unique = list(set(values))
        if not unique:
            return None
        return and_(person_link.c.scheme == scheme, one_of(person_link.c.value, unique, self.engine.dialect.name))

    async def find_many(self, scheme: str, values: Iterable[str]) -> dict[str, str]:
        """Agency identifier -> hub person id, for those of ``values`` the index knows."""
        where = self._links_among(scheme, values)
        if where is None:
            return {}
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(person_link.c.value, person_link.c.person_id).where(where))).all()
            return {value: pid for value, pid in rows}

    async def resolve(self, scheme: str, values: Iterable[str]) -> set[str]:
        """Hub person ids of the people holding these agency identifiers."""
        where = self._links_among(scheme, values)
        if where is None:
            return set()
        async with self.engine.connect() as conn:
            return set((await conn.execute(select(person_link.c.person_id).where(where))).scalars())

    async def first_ids(self, after: str | None, limit: int) -> list[str]:
        """The next ``limit`` person ids after ``after`` in id order (the unfiltered listing)."""
        stmt = select(person.c.person_id).order_by(person.c.person_id).limit(limit)
        if after is not None:
            stmt = stmt.where(person.c.person_id > after)
        async with self.engine.connect() as conn:
            return list((await conn.execute(stmt)).scalars())

    async def links_after(self, after: str | None, limit: int, schemes: Collection[str]
                          ) -> tuple[int, list[tuple[str, str, str]]]:
        """The next ``limit`` people after ``after`` in id order: how many there were, and their
        (person id, scheme, identifier) links in ``schemes``, in no particular order."""
        chunk = select(person.c.person_id).order_by(person.c.person_id).limit(limit)
        if after is not None:
            chunk = chunk.where(person.c.person_id > after)
        ids = chunk.subquery()
        stmt = select(ids.c.person_id, person_link.c.scheme, person_link.c.value).outerjoin(
            person_link, and_(person_link.c.person_id == ids.c.person_id, person_link.c.scheme.in_(sorted(schemes))))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return len({row[0] for row in rows}), [(pid, sch, val) for pid, sch, val in rows if sch is not None]

    async def all_ids(self) -> list[str]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(select(person.c.person_id))).scalars())

    async def links(self, scheme: str) -> dict[str, str]:
        """Every agency identifier of ``scheme`` -> hub person id, in one statement."""
        stmt = select(person_link.c.value, person_link.c.person_id).where(person_link.c.scheme == scheme)
        async with self.engine.connect() as conn:
            return {value: pid for value, pid in (await conn.execute(stmt)).all()}

    async def order_values(self, field: str) -> dict[str, Any]:
        """Hub person id -> surname or date of birth, for ordering people."""
        column = {"surname": person.c.surname, "dateOfBirth": person.c.date_of_birth}.get(field)
        if column is None:
            raise ValueError(f"the person index cannot order by {field}")
        async with self.engine.connect() as conn:
            return {pid: value for pid, value in (await conn.execute(select(person.c.person_id, column))).all()}

    async def count(self) -> int:
        async with self.engine.connect() as conn:
            n: int = (await conn.execute(select(func.count()).select_from(person))).scalar_one()
            return n

    async def health(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(select(person.c.person_id).limit(1))

    async def close(self) -> None:
        await self.engine.dispose()
