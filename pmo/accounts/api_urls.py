"""``/api/v1/auth/``: the user's personal access tokens (``pmo.accounts.api``). The password login,
``/api/v1/auth/token/``, is routed in ``pmo/api_urls.py``."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from pmo.accounts.api import ApiTokenViewSet

router = SimpleRouter(trailing_slash=True)
router.register("tokens", ApiTokenViewSet, basename="api-personal-token")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
