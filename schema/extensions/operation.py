"""Remember which operation ran (for the audit record) without keeping the document or variables."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from functools import lru_cache

from graphql import DocumentNode, print_ast
from strawberry.extensions import SchemaExtension

from schema.context import HubContext


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@lru_cache(maxsize=512)
def normalised_hash(document: DocumentNode) -> str:
    """Hash of the re-printed AST: the same however the document was formatted.

    Keyed on the parsed document, which the parser cache hands out once per distinct query text,
    so a partner system's repeated operation is printed and hashed once.
    """
    return sha256(print_ast(document))


class OperationRecorder(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        ec = self.execution_context
        ctx = ec.context
        if not isinstance(ctx, HubContext):
            return
        # The normalised document (re-printed AST) hashes the same however it was formatted.
        query_hash = normalised_hash(ec.graphql_document) if ec.graphql_document else sha256(ec.query or "")
        op_type = None
        with contextlib.suppress(RuntimeError):  # no operation type when the document did not parse
            op_type = ec.operation_type.value
        ctx.extra["operation"] = {
            "name": ec.operation_name,
            "type": op_type,
            "query_hash": query_hash,
            "variables_hash": sha256(json.dumps(ec.variables or {}, sort_keys=True, default=str)),
        }
