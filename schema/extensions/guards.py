"""Query guards: refuse documents too long, too deep, too aliased or too costly before they run.

Size is checked on the raw text (characters, then lexer tokens, stopping at the limit so a huge
document costs no more than the limit to reject). Depth, aliases and cost are checked on the parsed
operation with its variables at validation, so a refused document never reaches a resolver.
Each limit has its own error code; messages name the limit, never anything from the document.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

from graphql import GraphQLError
from graphql.error import GraphQLSyntaxError
from graphql.language import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    TokenKind,
    VariableNode,
)
from graphql.language.lexer import Lexer
from strawberry.extensions import SchemaExtension

from hub.errors import HubError
from hub.settings import QueryLimits


class GuardRefused(HubError):
    http_status = 200


class QueryTooLarge(GuardRefused):
    code = "QUERY_TOO_LARGE"


class TooManyTokens(GuardRefused):
    code = "TOO_MANY_TOKENS"


class QueryTooDeep(GuardRefused):
    code = "QUERY_TOO_DEEP"


class TooManyAliases(GuardRefused):
    code = "TOO_MANY_ALIASES"


class QueryTooCostly(GuardRefused):
    code = "QUERY_TOO_COSTLY"


#: Fields that return lists and how many items each is assumed to bring per parent.
#: ``people`` uses its real ``first`` (default 20); agency record lists use a typical count.
DEFAULT_PAGE = 20
LIST_FACTOR = 5


@lru_cache(maxsize=512)
def count_tokens(query: str, limit: int) -> int:
    """Lexer tokens in ``query``, stopping once past ``limit``."""
    lexer = Lexer(Source(query))
    n = 0
    token = lexer.advance()
    while token.kind != TokenKind.EOF:
        n += 1
        if n > limit:
            break
        token = lexer.advance()
    return n


@dataclass
class Shape:
    depth: int = 0
    aliases: int = 0
    cost: int = 0


class _Measure:
    """Walks the chosen operation, following fragments (each spread re-walked at its own depth)."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any],
                 max_first: int) -> None:
        self.fragments = fragments
        self.max_first = max_first
        self.variables = variables
        self.shape = Shape()

    def selection_set(self, node: SelectionSetNode | None, depth: int, multiplier: int, seen: frozenset[str],
                      list_fields: frozenset[str]) -> None:
        if node is None:
            return
        for sel in node.selections:
            if isinstance(sel, FieldNode):
                if sel.alias is not None:
                    self.shape.aliases += 1
                if sel.name.value.startswith("__"):
                    continue  # introspection is bounded by the schema itself
                self.shape.depth = max(self.shape.depth, depth)
                self.shape.cost += multiplier
                factor = self._factor(sel, list_fields)
                self.selection_set(sel.selection_set, depth + 1, multiplier * factor, seen, list_fields)
            elif isinstance(sel, InlineFragmentNode):
                self.selection_set(sel.selection_set, depth, multiplier, seen, list_fields)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:  # a cycle is left to validation to report
                    self.selection_set(fragment.selection_set, depth, multiplier, seen | {name}, list_fields)

    def _factor(self, node: FieldNode, list_fields: frozenset[str]) -> int:
        if node.name.value == "people":
            for arg in node.arguments or ():
                if arg.name.value == "first":
                    # Beyond max_first the resolver refuses the argument itself, with a clearer error.
                    if isinstance(arg.value, IntValueNode):
                        return min(self.max_first, max(1, int(arg.value.value)))
                    if isinstance(arg.value, VariableNode):
                        value = self.variables.get(arg.value.name.value)
                        return min(self.max_first, max(1, value)) if isinstance(value, int) else DEFAULT_PAGE
            return DEFAULT_PAGE
        return LIST_FACTOR if node.name.value in list_fields else 1


def measure(document: Any, operation_name: str | None, variables: dict[str, Any] | None,
            list_fields: frozenset[str], max_first: int) -> Shape:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    m = _Measure(fragments, variables or {}, max_first)
    for op in chosen[:1] if operation_name else chosen:
        m.selection_set(op.selection_set, 1, 1, frozenset(), list_fields)
    return m.shape


class QueryGuards(SchemaExtension):
    """Configured per schema via :func:`guards`; a fresh instance runs for every operation."""

    limits: ClassVar[QueryLimits]
    list_fields: ClassVar[frozenset[str]]

    def on_operation(self) -> Iterator[None]:
        query = self.execution_context.query or ""
        limits = self.limits
        if len(query) > limits.max_characters:
            raise QueryTooLarge(f"the document is longer than {limits.max_characters} characters")
        try:
            tokens = count_tokens(query, limits.max_tokens)
        except GraphQLSyntaxError:
            tokens = 0  # the parser reports the syntax error itself
        if tokens > limits.max_tokens:
            raise TooManyTokens(f"the document has more than {limits.max_tokens} tokens")
        yield

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None:
            shape = measure(document, ctx.operation_name, ctx.variables, self.list_fields, self.limits.max_first)
            limits = self.limits
            refusal: GuardRefused | None = None
            if shape.depth > limits.max_depth:
                refusal = QueryTooDeep(f"the query is nested deeper than {limits.max_depth} levels",
                                       depth=shape.depth, limit=limits.max_depth)
            elif shape.aliases > limits.max_aliases:
                refusal = TooManyAliases(f"the query uses more than {limits.max_aliases} aliases",
                                         aliases=shape.aliases, limit=limits.max_aliases)
            elif shape.cost > limits.max_cost:
                refusal = QueryTooCostly(
                    f"the query's estimated cost {shape.cost} exceeds {limits.max_cost}: ask for smaller pages "
                    "(first) or fewer nested records", cost=shape.cost, limit=limits.max_cost)
            if refusal is not None:
                # Runs after the validation cache has answered: the refusal replaces whatever it found.
                ctx.pre_execution_errors = [GraphQLError(refusal.message, original_error=refusal)]
        yield


def guards(limits: QueryLimits, list_fields: frozenset[str]) -> type[QueryGuards]:
    return type("ConfiguredQueryGuards", (QueryGuards,), {"limits": limits, "list_fields": list_fields})
