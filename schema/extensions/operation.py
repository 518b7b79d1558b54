"""Remember which operation ran (for the audit record) without keeping the document or variables.

The variables are kept only as a keyed digest (audit/digest.py): a plain hash of them would give
back any identifier short enough to guess. With no digest (governance off) nothing is kept.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from graphql import DocumentNode, print_ast
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

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


Digest = Callable[[Mapping[str, Any] | None], str]


class OperationRecorder(SchemaExtension):
    """Build one per execution with the deployment's digest: ``partial(OperationRecorder, digest=...)``."""

    def __init__(self, *, digest: Digest | None = None, execution_context: ExecutionContext | None = None) -> None:
        super().__init__(execution_context=execution_context)
        self.digest = digest

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
            "variables_hash": self.digest(ec.variables) if self.digest is not None else None,
        }
