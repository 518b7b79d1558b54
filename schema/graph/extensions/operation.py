"""Remember which operation ran (for the audit record) without keeping the document or variables.

The variables and the document are kept only as keyed digests (audit/digest.py): a plain hash of
either would give back any identifier short enough to guess, written as a variable or as a literal.
With no digest (governance off) the document's plain hash and no variables are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any, Protocol

from graphql import DocumentNode, print_ast
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from audit.record import Operation
from schema.governance.context import HubContext


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@lru_cache(maxsize=512)
def normalised(document: DocumentNode) -> str:
    """The re-printed AST: the same however the document was formatted.

    Keyed on the parsed document, which the parser cache hands out once per distinct query text,
    so a partner system's repeated operation is printed once.
    """
    return print_ast(document)


class Digest(Protocol):
    def __call__(self, variables: Mapping[str, Any] | None) -> str: ...
    def document(self, text: str) -> str: ...


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
        # The normalised document (re-printed AST) digests the same however it was formatted.
        text = normalised(ec.graphql_document) if ec.graphql_document else ec.query or ""
        query_hash = self.digest.document(text) if self.digest is not None else sha256(text)
        op_type = None
        with contextlib.suppress(RuntimeError):  # no operation type when the document did not parse
            op_type = ec.operation_type.value
        ctx.gate.ledger.operation = Operation(
            name=ec.operation_name,
            type=op_type,
            query_hash=query_hash,
            variables_hash=self.digest(ec.variables) if self.digest is not None else None,
        )
