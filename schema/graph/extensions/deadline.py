"""The execution time limit, enforced inside graphql-core's list completion.

``asyncio.wait_for`` in the view cannot stop work that never yields, and a page whose records are
prefetched completes without suspending: one long operation would hold the worker's event loop
(and ``/healthz``) for as long as it runs. So every list completion looks at a clock (one
``monotonic()`` call per list, not per field: PERFORMANCE.md prices a per-field hook at ~12%):

- once an operation has run ``FIRST_SLICE_SECONDS`` without pausing, and then every
  ``SLICE_SECONDS``, its next lists complete after a turn of the event loop, so other requests are
  served between slices. Pausing costs a task per paused list (~12% on a 200-person page that
  slices throughout), so the first slice is long enough for ordinary pages never to pause;
- once the time limit has passed, a list raises ``QUERY_TIMEOUT`` and the whole result becomes
  that one error, with no partial data.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from time import monotonic
from typing import Any, ClassVar

from graphql import GraphQLError
from graphql.execution import ExecutionResult
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from hub.core.errors import QueryTimeout

#: Longest stretch of execution without giving the event loop a turn: at the start, then after each pause.
FIRST_SLICE_SECONDS = 0.2
SLICE_SECONDS = 0.05


@dataclass
class _Clock:
    """Shared by an executor and the shallow copies graphql-core makes of it.

    Paused lists queue for turns. Each turn starts on a fresh pass of the event loop (after it has
    polled its sockets) and goes to one waiter, so however many lists are paused, the loop runs one
    slice between polls, and waiters sleep on a future rather than waking on every pass."""

    deadline: float
    slice_ends: float
    waiting: deque[asyncio.Future[None]] = field(default_factory=deque)
    granting: bool = False

    def next_turn(self) -> asyncio.Future[None]:
        turn = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        self._grant_soon()
        return turn

    def turn_over(self) -> None:
        if self.waiting:
            self._grant_soon()

    def _grant_soon(self) -> None:
        if not self.granting:
            self.granting = True
            asyncio.get_running_loop().call_soon(self._grant)

    def _grant(self) -> None:
        self.granting = False
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():  # a cancelled waiter gives up its place
                self.slice_ends = monotonic() + SLICE_SECONDS
                turn.set_result(None)
                return


def timed_out(timeout: float) -> QueryTimeout:
    return QueryTimeout(f"the operation did not finish within {timeout:g} seconds and was stopped")


class DeadlineExecutor(StrawberryGraphQLCoreExecutionContext):
    """Configured per schema via :func:`deadline_executor`; one instance per execution."""

    timeout: ClassVar[float]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        now = monotonic()
        self.clock = _Clock(now + self.timeout, now + FIRST_SLICE_SECONDS)

    def complete_list_value(self, *args: Any) -> Any:
        if monotonic() < self.clock.slice_ends:
            return super().complete_list_value(*args)
        return self._after_a_pause(*args)

    async def _after_a_pause(self, *args: Any) -> Any:
        clock = self.clock
        await clock.next_turn()
        try:
            if monotonic() > clock.deadline:
                raise timed_out(self.timeout)
            completed = super().complete_list_value(*args)
        finally:
            clock.turn_over()
        return await completed if self.is_awaitable(completed) else completed

    def build_response(self, data: dict[str, Any] | None) -> Any:
        result = super().build_response(data)
        errors = result.errors if isinstance(result, ExecutionResult) else None
        if errors and any(isinstance(e.original_error, QueryTimeout) for e in errors):
            late = timed_out(self.timeout)
            return ExecutionResult(None, [GraphQLError(late.message, original_error=late)])
        return result


def deadline_executor(timeout: float) -> type[DeadlineExecutor]:
    return type("ConfiguredDeadlineExecutor", (DeadlineExecutor,), {"timeout": timeout})
