"""A Python client of the hub with gql: reading partial answers.

The hub answers in part when the agreements withhold a field: the value is null, and an error with
``extensions.code`` FIELD_NOT_SHARED names the field, the reason and the clause. gql raises
``TransportQueryError`` on any error in the answer, with the data inside it: keep the data, show
"withheld" at the errors' paths, and treat it as a failure only when there is no data at all.

    HUB_URL=http://127.0.0.1:8000 HUB_TOKEN=$(hub token --user iom-officer-001 --agency police \\
        --role police-iom-officer) HUB_PURPOSE=iom python docs/clients/python/partial_answers.py
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport

#: The checked-in SDL: gql validates each query against it before sending anything.
SCHEMA = Path(__file__).resolve().parents[3] / "schema" / "schema.graphql"
QUERY = gql("""
query CohortWithTreatment($first: Int!) {
  people(first: $first, filter: {onMyCaseload: true}) {
    edges { node { id name treatment { engaged ostPrescriptions { medication } } } }
  }
}
""")


async def ask(first: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The answer's data and the errors that came with it (withheld fields among them)."""
    transport = HTTPXAsyncTransport(url=f"{os.environ['HUB_URL']}/graphql", headers={
        "Authorization": f"Bearer {os.environ['HUB_TOKEN']}",
        "X-Purpose-Of-Use": os.environ.get("HUB_PURPOSE", "iom")})
    async with Client(transport=transport, schema=SCHEMA.read_text()) as session:
        try:
            return await session.execute(QUERY, variable_values={"first": first}), []
        except TransportQueryError as partial:
            if partial.data is None:  # nothing answered: a real failure
                raise
            return partial.data, list(partial.errors or [])


def withheld(errors: list[dict[str, Any]]) -> dict[str, str]:
    """Each withheld path, as "people.edges.0.node.treatment", with the clause that withheld it."""
    found = {}
    for error in errors:
        extensions = error.get("extensions", {})
        if extensions.get("code") == "FIELD_NOT_SHARED":
            for path in extensions.get("paths") or [error.get("path", [])]:
                found[".".join(str(p) for p in path)] = extensions.get("clause", "")
    return found


async def main() -> None:
    data, errors = await ask(5)
    people = [edge["node"] for edge in data["people"]["edges"]]
    print(json.dumps({"people": [{"id": p["id"], "name": p["name"]} for p in people],
                      "withheld": withheld(errors)}))


if __name__ == "__main__":
    asyncio.run(main())
