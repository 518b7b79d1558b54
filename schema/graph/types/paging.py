"""One PageInfo for every connection: Strawberry's Relay type, built from a page's cursors."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.relay import PageInfo

__all__ = ["PageInfo", "page_info"]


def page_info(cursors: Sequence[str], *, has_next_page: bool, after: str | None) -> PageInfo:
    """Forward paging: a page asked for ``after`` a cursor has earlier items before it."""
    return PageInfo(has_next_page=has_next_page, has_previous_page=after is not None,
                    start_cursor=cursors[0] if cursors else None, end_cursor=cursors[-1] if cursors else None)
