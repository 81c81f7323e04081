from rest_framework.pagination import CursorPagination


class DefaultCursorPagination(CursorPagination):
    """Stable pages over large tables: the cursor encodes the position, not an offset."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"


class TimelinePagination(DefaultCursorPagination):
    """One complaint's (or case's) history, oldest first: a long-running record may have hundreds of
    events, so it is paged like any list (`next` cursor), 100 at a time."""

    page_size = 100
    ordering = ("created_at", "id")

    def get_ordering(self, request, queryset, view):
        return self.ordering  # fixed: the list view's OrderingFilter (its sort parameter) does not apply


class NewestFirstPagination(TimelinePagination):
    ordering = ("-created_at", "-id")
