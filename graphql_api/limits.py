"""Query depth and cost limits, checked before anything is read.

The cost of a query estimates the reads it can cause: every field costs its weight
(1 unless ``FIELD_WEIGHTS`` says more), and what is selected inside a list is counted
once per item the list may hold: its ``pageSize``, or the default page size when it
is not given, or the largest page size when it comes from a variable (validation runs
before variables are known). Introspection (``__schema``, ``__type``) is not counted.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

PAGE_SIZE_ARGUMENT = "pageSize"

# Fields that cost a store read per parent (a Query for each section), not a batched one.
FIELD_WEIGHTS = {
    "Section.roster": 10,
    "Section.waitlist": 10,
}


@dataclass(frozen=True)
class Measure:
    cost: int = 0
    depth: int = 0


class QueryLimitsRule(ValidationRule):
    """Refuses an operation deeper than ``GRAPHQL_MAX_DEPTH`` or costlier than ``GRAPHQL_MAX_COST``."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args) -> None:
        context: ValidationContext = self.context
        root = context.schema.get_root_type(node.operation)
        if root is None:
            return
        measure = self._measure(node.selection_set, root, frozenset())
        name = f"Operation {node.name.value!r}" if node.name else "This query"
        max_depth, max_cost = settings.GRAPHQL_MAX_DEPTH, settings.GRAPHQL_MAX_COST
        if measure.depth > max_depth:
            self.report_error(
                GraphQLError(
                    f"{name} is {measure.depth} levels deep; the limit is {max_depth}. Nest fewer fields.",
                    node,
                    extensions={"code": "query_too_deep", "depth": measure.depth, "limit": max_depth},
                )
            )
        if measure.cost > max_cost:
            self.report_error(
                GraphQLError(
                    f"{name} costs {measure.cost}; the limit is {max_cost}. Ask for smaller pages (pageSize) "
                    "or fewer lists inside lists.",
                    node,
                    extensions={"code": "query_too_costly", "cost": measure.cost, "limit": max_cost},
                )
            )

    def _measure(self, selections: SelectionSetNode | None, parent: GraphQLNamedType, fragments: frozenset) -> Measure:
        cost = depth = 0
        for selection, type_, fragments_inside in self._fields(selections, parent, fragments):
            name = selection.name.value
            if name.startswith("__") or not isinstance(type_, GraphQLObjectType) or name not in type_.fields:
                continue  # introspection, or a field the standard rules refuse anyway
            definition = type_.fields[name]
            inner = self._measure(selection.selection_set, get_named_type(definition.type), fragments_inside)
            items = self._page_size(selection) if PAGE_SIZE_ARGUMENT in definition.args else 1
            cost += FIELD_WEIGHTS.get(f"{type_.name}.{name}", 1) + items * inner.cost
            depth = max(depth, 1 + inner.depth)
        return Measure(cost=cost, depth=depth)

    def _fields(
        self, selections: SelectionSetNode | None, parent: GraphQLNamedType, fragments: frozenset
    ) -> Iterator[tuple[FieldNode, GraphQLNamedType, frozenset]]:
        """The fields selected, with the type each is selected on, through fragments."""
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode):
                yield selection, parent, fragments
            elif isinstance(selection, InlineFragmentNode):
                on = selection.type_condition
                type_ = self.context.schema.get_type(on.name.value) if on else parent
                yield from self._fields(selection.selection_set, type_ or parent, fragments)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.context.get_fragment(name)
                if fragment is None or name in fragments:
                    continue  # unknown or a cycle: the standard rules report it
                type_ = self.context.schema.get_type(fragment.type_condition.name.value) or parent
                yield from self._fields(fragment.selection_set, type_, fragments | {name})

    @staticmethod
    def _page_size(selection: FieldNode) -> int:
        for argument in selection.arguments or ():
            if argument.name.value == PAGE_SIZE_ARGUMENT:
                if isinstance(argument.value, IntValueNode):
                    return max(1, min(int(argument.value.value), MAX_PAGE_SIZE))
                return MAX_PAGE_SIZE  # a variable: assume the largest page
        return DEFAULT_PAGE_SIZE


class QueryLimits(SchemaExtension):
    """Adds the limits above, caps the tokens a document may have, and refuses
    introspection unless ``GRAPHQL_INTROSPECTION`` is on. Settings are read for every
    operation, so each environment (and a test) can set its own."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        rules: list[type[ASTValidationRule]] = [QueryLimitsRule]
        if not settings.GRAPHQL_INTROSPECTION:
            rules.append(NoSchemaIntrospectionCustomRule)
        context.validation_rules = (*context.validation_rules, *rules)
        context.parse_options["max_tokens"] = settings.GRAPHQL_MAX_TOKENS
        yield
