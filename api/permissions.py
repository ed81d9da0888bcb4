from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from api.models import ApiToken

if TYPE_CHECKING:
    from rest_framework.views import APIView


class TokenScope(BasePermission):
    """A token that may only read is refused any write (403); a session is held to the pages'
    rules alone."""

    message = _("This token may only read: a write needs a token with the write scope.")

    def has_permission(self, request: Request, view: "APIView") -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and request.method not in SAFE_METHODS:
            return token.scope == ApiToken.Scope.WRITE
        return True
