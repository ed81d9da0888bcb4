"""Personal access tokens on the API: `Authorization: Bearer <secret>`. A secret that is
unknown in the organisation of the address, revoked or expired is refused (401) before any
view runs; the view then resolves the actor like the pages' middleware (api.views.ApiView)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from api import selectors, services
from api.models import ApiToken
from participants.models import User

REFUSED = _("The token is unknown here, revoked or expired.")


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != self.keyword:
            return None  # not ours: the session may sign the person in
        if len(words) != 2:
            raise AuthenticationFailed(_("Send one token: “Authorization: Bearer <token>”."))
        try:
            secret = words[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(REFUSED) from None
        slug = (request.parser_context or {}).get("kwargs", {}).get("org_slug", "")
        token = selectors.token_by_secret(organisation_slug=slug, secret=secret)
        if token is None or not token.usable(timezone.now()) or not token.user.is_active:
            raise AuthenticationFailed(REFUSED)
        services.token_used(token=token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
