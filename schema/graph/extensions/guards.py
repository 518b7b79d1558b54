"""Query guards: refuse documents too long, too deep, too aliased or too costly before they run.

Size is checked on the raw text (characters), then by graphql-core's parser itself, which stops at
the token limit (``parse(max_tokens=)``). Depth, aliases and cost are checked on the parsed operation
with its variables at validation, so a refused document never reaches a resolver.
Introspection counts too: aliased copies of ``__schema { types { fields ... } } }`` once produced
tens of megabytes from a 5 KB document. Its lists are sized from the schema itself, and its depth
may reach that of the standard introspection query (TypeRef nests ``ofType`` nine levels).
Each limit has its own error code; messages name the limit, never anything from the document.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

from graphql import GraphQLError, get_introspection_query, parse
from graphql.error import GraphQLSyntaxError
from graphql.language import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from strawberry.extensions import SchemaExtension

from hub.core.errors import HubError
from hub.core.settings import QueryLimits


class GuardRefused(HubError):
    http_status = 200
    outcome = "refused"


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


def stopped_at_limit(query: str, refused: GraphQLSyntaxError) -> bool:
    """Whether the parser refused ``query`` for its token limit rather than for a mistake in it: without
    the limit, it parses, or fails somewhere else. (Only refused documents pay this second parse.)"""
    try:
        parse(query, no_location=True)
    except GraphQLSyntaxError as mistake:
        return mistake.positions != refused.positions
    return True


@dataclass
class Shape:
    depth: int = 0
    #: depth reached inside introspection fields, which have their own allowance
    introspection_depth: int = 0
    aliases: int = 0
    cost: int = 0


class _Measure:
    """Walks the chosen operation, following fragments (each spread re-walked at its own depth)."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any],
                 max_first: int, list_fields: frozenset[str], introspection_lists: Mapping[str, int]) -> None:
        self.fragments = fragments
        self.max_first = max_first
        self.variables = variables
        self.list_fields = list_fields
        self.introspection_lists = introspection_lists
        self.shape = Shape()

    def selection_set(self, node: SelectionSetNode | None, depth: int, multiplier: int, seen: frozenset[str],
                      introspecting: bool) -> None:
        if node is None:
            return
        shape = self.shape
        for sel in node.selections:
            if isinstance(sel, FieldNode):
                if sel.alias is not None:
                    shape.aliases += 1
                inside = introspecting or sel.name.value.startswith("__")
                if inside:
                    shape.introspection_depth = max(shape.introspection_depth, depth)
                else:
                    shape.depth = max(shape.depth, depth)
                shape.cost += multiplier
                factor = self._factor(sel, inside)
                self.selection_set(sel.selection_set, depth + 1, multiplier * factor, seen, inside)
            elif isinstance(sel, InlineFragmentNode):
                self.selection_set(sel.selection_set, depth, multiplier, seen, introspecting)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:  # a cycle is left to validation to report
                    self.selection_set(fragment.selection_set, depth, multiplier, seen | {name}, introspecting)

    def _factor(self, node: FieldNode, introspecting: bool) -> int:
        name = node.name.value
        if introspecting:
            return self.introspection_lists.get(name, 1)
        if name == "people":
            for arg in node.arguments or ():
                if arg.name.value == "first":
                    # Beyond max_first the resolver refuses the argument itself, with a clearer error.
                    if isinstance(arg.value, IntValueNode):
                        return min(self.max_first, max(1, int(arg.value.value)))
                    if isinstance(arg.value, VariableNode):
                        value = self.variables.get(arg.value.name.value)
                        return min(self.max_first, max(1, value)) if isinstance(value, int) else DEFAULT_PAGE
            return DEFAULT_PAGE
        if name not in self.list_fields:
            return 1
        given = self._list_argument_length(node)
        return LIST_FACTOR if given is None else min(self.max_first, max(1, given))

    def _list_argument_length(self, node: FieldNode) -> int | None:
        """The longest list among a list field's arguments (``peopleByIdentifiers(values:)``): one
        item back per value asked for. None when no argument is a list."""
        longest: int | None = None
        for arg in node.arguments or ():
            value: Any = arg.value
            if isinstance(value, VariableNode):
                value = self.variables.get(value.name.value)
            elif isinstance(value, ListValueNode):
                value = value.values
            if isinstance(value, list | tuple):
                longest = max(longest or 0, len(value))
        return longest


def measure(document: Any, operation_name: str | None, variables: dict[str, Any] | None,
            list_fields: frozenset[str], max_first: int,
            introspection_lists: Mapping[str, int] | None = None) -> Shape:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    m = _Measure(fragments, variables or {}, max_first, list_fields, introspection_lists or {})
    for op in chosen[:1] if operation_name else chosen:
        m.selection_set(op.selection_set, 1, 1, frozenset(), False)
    return m.shape


#: The introspection query graphql-core (and so GraphiQL-style tools) send, with every option on.
STANDARD_INTROSPECTION = get_introspection_query(descriptions=True, specified_by_url=True,
                                                 directive_is_repeatable=True, schema_description=True,
                                                 input_value_deprecation=True)


@lru_cache(maxsize=1)
def standard_introspection_depth() -> int:
    return measure(parse(STANDARD_INTROSPECTION), None, None, frozenset(), 1).introspection_depth


class QueryGuards(SchemaExtension):
    """Configured per schema via :func:`guards`; a fresh instance runs for every operation."""

    limits: ClassVar[QueryLimits]
    list_fields: ClassVar[frozenset[str]]
    #: introspection list field -> items per parent in this schema (see schema.graph.build)
    introspection_lists: ClassVar[Mapping[str, int]] = {}
    introspection_depth: ClassVar[int]

    def on_operation(self) -> Iterator[None]:
        query = self.execution_context.query or ""
        limits = self.limits
        if len(query) > limits.max_characters:
            raise QueryTooLarge(f"the document is longer than {limits.max_characters} characters")
        self.execution_context.parse_options["max_tokens"] = limits.max_tokens
        try:
            yield
        except GraphQLSyntaxError as refused:  # raised by the parser cache's parse, within this operation
            if stopped_at_limit(query, refused):
                raise TooManyTokens(f"the document has more than {limits.max_tokens} tokens") from None
            raise

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None:
            shape = measure(document, ctx.operation_name, ctx.variables, self.list_fields, self.limits.max_first,
                            self.introspection_lists)
            limits = self.limits
            refusal: GuardRefused | None = None
            if shape.depth > limits.max_depth:
                refusal = QueryTooDeep(f"the query is nested deeper than {limits.max_depth} levels",
                                       depth=shape.depth, limit=limits.max_depth)
            elif shape.introspection_depth > self.introspection_depth:
                refusal = QueryTooDeep(f"the introspection query is nested deeper than {self.introspection_depth} "
                                       "levels", depth=shape.introspection_depth, limit=self.introspection_depth)
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
    depth = max(limits.max_depth, standard_introspection_depth())
    return type("ConfiguredQueryGuards", (QueryGuards,),
                {"limits": limits, "list_fields": list_fields, "introspection_depth": depth})
