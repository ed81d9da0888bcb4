from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """Pages of 25, like the pages' lists; up to 100 when asked."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
