"""``/api/v1/auth/``: the password login and the user's personal access tokens.

- ``POST token/``: e-mail and password → a bearer token named "login" (``API_TOKEN_TTL_DAYS``), throttled per
  client address (``LoginThrottle``).
- ``GET tokens/`` (``?state=active|expired|revoked``, ``?scope=``, ``?ordering=``, paginated): my tokens, never
  their secret. ``GET tokens/<id>/``: one of them; another user's token is a 404.
- ``POST tokens/`` → 201 with the raw ``token``, in this answer only (``Cache-Control: no-store``). A bearer token
  may create tokens when it is read-write (a read-only one is refused with 403, like any write), and the new token
  may not outlive it; the web page (``/accounts/tokens/``) has no such bound.
- ``POST tokens/<id>/revoke/`` → 200 with the revoked token. Revocation keeps the row (it stays listed as revoked,
  with its history) rather than deleting it, hence a POST action and no DELETE; revoking twice changes nothing.

Tokens are per user: a token acts as its user in every organisation the user belongs to, and the organisation
APIs still answer 404 to a non-member.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import django_filters
from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from pmo.accounts import selectors
from pmo.accounts.models import ApiToken, User
from pmo.accounts.services import MAX_TOKEN_LIFETIME, api_token_create, api_token_revoke, personal_token_create
from pmo.accounts.signin import locked_message, signin_failed, signin_seconds_locked, signin_succeeded
from pmo.audit.services import client_ip, client_of

TAGS = ["auth"]
NO_STORE = "no-store"


class LoginThrottle(AnonRateThrottle):
    scope = "login"

    def get_ident(self, request: Request) -> str:
        return client_ip(request._request) or ""


def _locked(seconds: int) -> Response:
    """429 with ``Retry-After`` while the account or the client address is locked (``pmo.accounts.lockout``)."""
    response = Response({"detail": locked_message(seconds)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
    response["Retry-After"] = str(seconds)
    return response


class TokenInput(serializers.Serializer):
    username = serializers.CharField(help_text="The account's e-mail address.", max_length=254)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, max_length=256)


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class TokenObtainView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(request=TokenInput, responses={200: TokenOutput}, auth=[], tags=TAGS)
    def post(self, request: Request) -> Response:
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        client = client_of(request._request)
        seconds = signin_seconds_locked(username=username, client=client)
        if seconds:
            return _locked(seconds)
        user = authenticate(request._request, username=username, password=data.validated_data["password"])
        if user is None or not user.is_active:
            seconds = signin_failed(username=username, client=client, channel="api")
            if seconds:
                return _locked(seconds)
            return Response(
                {"detail": _("Unable to log in with the provided credentials.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        signin_succeeded(user=cast(User, user), client=client, channel="api")
        token, raw = api_token_create(user=cast(User, user))
        response = Response(TokenOutput({"token": raw, "expires_at": token.expires_at}).data)
        response["Cache-Control"] = NO_STORE
        return response


# --- Personal access tokens


class ApiTokenOutput(serializers.ModelSerializer):
    prefix = serializers.CharField(read_only=True, help_text="The token's first characters, to recognise it.")
    state = serializers.ChoiceField(choices=ApiToken.State.choices, read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "scope", "state", "created_at", "expires_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class ApiTokenCreatedOutput(ApiTokenOutput):
    token = serializers.SerializerMethodField(help_text="The token itself: shown in this answer only, never again.")

    class Meta(ApiTokenOutput.Meta):
        fields = [*ApiTokenOutput.Meta.fields, "token"]
        read_only_fields = fields

    def get_token(self, token: ApiToken) -> str:
        return str(self.context["raw"])


class ApiTokenCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="Unique among your active tokens.")
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices, default=ApiToken.Scope.READ)
    expires_in_days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_TOKEN_LIFETIME.days,
        required=False,
        help_text="Lifetime in days (e.g. 7, 30, 90, 365). Without it and expires_at: 30 days (API_TOKEN_TTL_DAYS), "
        "or the creating token's own expiry if sooner.",
    )
    expires_at = serializers.DateTimeField(
        required=False, help_text="The expiry as a date and time; give this or expires_in_days, not both."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "expires_in_days" in attrs and "expires_at" in attrs:
            raise serializers.ValidationError(
                {"expires_at": [_("Give either an expiry date or a number of days, not both.")]}
            )
        if "expires_in_days" in attrs:
            attrs["expires_at"] = timezone.now() + timedelta(days=attrs.pop("expires_in_days"))
        return attrs


class ApiTokenFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=ApiToken.State.choices, method="filter_state")
    scope = django_filters.ChoiceFilter(choices=ApiToken.Scope.choices)

    class Meta:
        model = ApiToken
        fields = ["state", "scope"]

    def filter_state(self, queryset: QuerySet[ApiToken], name: str, value: str) -> QuerySet[ApiToken]:
        return selectors.api_tokens_in_state(queryset, value)


def _me(request: Request) -> User:
    return cast(User, request.user)


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="My personal access tokens (never their secret)"),
    retrieve=extend_schema(tags=TAGS, summary="One of my tokens"),
)
class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ApiTokenOutput
    filterset_class = ApiTokenFilter
    ordering_fields = ["created_at", "expires_at", "last_used_at", "name"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return selectors.api_tokens_of(user=_me(self.request))

    def get_object(self) -> ApiToken:
        return selectors.api_token_get_for_user(user=_me(self.request), pk=self.kwargs["pk"])

    @extend_schema(
        tags=TAGS,
        summary="Create a personal access token",
        request=ApiTokenCreateInput,
        responses={201: ApiTokenCreatedOutput},
    )
    def create(self, request: Request) -> Response:
        data = ApiTokenCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw = personal_token_create(
            actor=_me(request),
            name=data.validated_data["name"],
            scope=data.validated_data["scope"],
            expires_at=data.validated_data.get("expires_at"),
            via_token=request.auth if isinstance(request.auth, ApiToken) else None,
            client=client_of(request._request),
        )
        response = Response(ApiTokenCreatedOutput(token, context={"raw": raw}).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = NO_STORE
        return response

    @extend_schema(
        tags=TAGS,
        operation_id="tokens_revoke",
        summary="Revoke one of my tokens (idempotent; the token stays listed as revoked)",
        request=None,
        responses={200: ApiTokenOutput},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        token = api_token_revoke(actor=_me(request), token=self.get_object(), client=client_of(request._request))
        return Response(ApiTokenOutput(token).data)
