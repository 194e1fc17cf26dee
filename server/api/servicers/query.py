"""QueryService servicer: turns structured conditions into the query AST."""

from __future__ import annotations

from datastore.v1 import query_pb2, query_pb2_grpc
from server.api import converters as c
from server.api.context import current_principal
from server.domain.errors import InvalidArgument
from server.query.ast import And, Condition, Node, Op, Or, Order, Path
from server.query.syntax import parse_filter, parse_order
from server.services.queries import EntryQuery, QueryService

OPERATORS = {
    query_pb2.OPERATOR_EQ: Op.EQ,
    query_pb2.OPERATOR_NE: Op.NE,
    query_pb2.OPERATOR_LT: Op.LT,
    query_pb2.OPERATOR_LE: Op.LE,
    query_pb2.OPERATOR_GT: Op.GT,
    query_pb2.OPERATOR_GE: Op.GE,
    query_pb2.OPERATOR_IN: Op.IN,
    query_pb2.OPERATOR_LIKE: Op.LIKE,
    query_pb2.OPERATOR_NULL: Op.NULL,
    query_pb2.OPERATOR_NOT_NULL: Op.NOT_NULL,
}


def _condition(i: int, cond: query_pb2.Condition) -> Condition:
    field = f"conditions[{i}]"
    op = OPERATORS.get(cond.op)
    if op is None:
        raise InvalidArgument.for_field(f"{field}.op", f"unknown or unset operator {cond.op}")
    path = Path.parse(cond.path, f"{field}.path")
    value = c.value_from_proto(cond.value, f"{field}.value") if cond.HasField("value") else None
    return Condition(path, op, value)


def query_from_proto(request: query_pb2.QueryEntriesRequest) -> EntryQuery:
    """Structured conditions and DHIS2-syntax filters become one AST (one engine)."""
    where: Node | None = None
    conds = tuple(_condition(i, cond) for i, cond in enumerate(request.conditions))
    conds += tuple(parse_filter(text, f"filters[{i}]") for i, text in enumerate(request.filters))
    if conds:
        if request.junction not in (query_pb2.JUNCTION_UNSPECIFIED, query_pb2.JUNCTION_AND, query_pb2.JUNCTION_OR):
            raise InvalidArgument.for_field("junction", f"unknown value {request.junction}")
        where = Or(conds) if request.junction == query_pb2.JUNCTION_OR else And(conds)
    order = tuple(
        Order(Path.parse(o.path, f"order_by[{i}].path"), o.descending) for i, o in enumerate(request.order_by)
    )
    order += tuple(parse_order(text, f"order[{i}]") for i, text in enumerate(request.order))
    return EntryQuery(
        store=request.store,
        customer_ids=tuple(request.customer_ids),
        keys=tuple(request.keys),
        where=where,
        order=order,
        limit=request.limit,
        offset=request.offset,
        include_deleted=request.include_deleted,
    )


class QueryServicer(query_pb2_grpc.QueryServiceServicer):
    def __init__(self, service: QueryService) -> None:
        self.service = service

    def QueryEntries(self, request, context):
        page = self.service.query(current_principal(), query_from_proto(request))
        response = query_pb2.QueryEntriesResponse(total_size=page.total)
        c.entries_to_proto(page.items, response.entries)
        return response

    def StreamEntries(self, request, context):
        entries = self.service.stream(current_principal(), query_from_proto(request.query))
        for entry in entries:
            yield query_pb2.StreamEntriesResponse(entry=c.entry_to_proto(entry))
