"""``POST /api/v1/auth/token/``: exchange e-mail and password for a bearer token."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from pmo.accounts.services import api_token_create


class LoginThrottle(AnonRateThrottle):
    scope = "login"


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

    @extend_schema(request=TokenInput, responses={200: TokenOutput}, auth=[], tags=["auth"])
    def post(self, request: Request) -> Response:
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            return Response(
                {"detail": _("Unable to log in with the provided credentials.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token, raw = api_token_create(user=user)
        return Response(TokenOutput({"token": raw, "expires_at": token.expires_at}).data)
