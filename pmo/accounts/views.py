"""Sign-in, profile, language and the user's API tokens. Password change and reset use Django's views with our
templates."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from pmo.accounts.forms import ApiTokenForm, EmailAuthenticationForm, ProfileForm
from pmo.accounts.models import ApiToken, User
from pmo.accounts.selectors import api_token_activity, api_token_get_for_user, api_tokens_of
from pmo.accounts.services import api_token_revoke, personal_token_create, user_set_language
from pmo.accounts.signin import signin_succeeded
from pmo.audit.services import client_of
from pmo.core.listing import paginate


class SignInView(auth_views.LoginView):
    """Django's login view with the lockout (in the form) and the security events: a locked sign-in answers 429
    with the form and its message."""

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: EmailAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        signin_succeeded(user=cast(User, form.get_user()), client=client_of(self.request), channel="web")
        return response

    def form_invalid(self, form: EmailAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, code="locked"):
            response.status_code = 429
        return response


# The service names the expiry "expires_at"; the form asks for it as "expires_in" (and "expires_on").
FORM_FIELD_OF = {"name": "name", "scope": "scope", "expires_at": "expires_in"}


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; saved on the account when signed in, in a cookie always."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax", httponly=False
    )
    return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save(commit=False).save(update_fields=["full_name", "language"])
            messages.success(request, _("Profile saved."))
            response = redirect("profile")
            if form.cleaned_data["language"]:
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"], samesite="Lax")
            return response
        return render(request, "accounts/profile.html", {"form": form}, status=400)
    return render(request, "accounts/profile.html", {"form": form})


def _tokens_page(request: HttpRequest, user: User, form: ApiTokenForm, **extra: Any) -> dict[str, Any]:
    page, query = paginate(request, api_tokens_of(user=user))
    return {"form": form, "page": page, "query": query, "activity": api_token_activity(user=user), **extra}


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """My personal access tokens, and a form for a new one. A new token's secret is shown once, in the answer to the
    POST that created it: it is never put in the session nor in a cache (``never_cache`` sends ``no-store``), and
    reloading that page re-sends the form, which the name's uniqueness refuses."""
    user = cast(User, request.user)
    form = ApiTokenForm(request.POST or None)
    if request.method != "POST":
        return render(request, "accounts/api_tokens.html", _tokens_page(request, user, form))
    if form.is_valid():
        try:
            token, raw = personal_token_create(
                actor=user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=form.cleaned_data["expires_at"],
                client=client_of(request),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(FORM_FIELD_OF.get(field), errors)
        else:
            context = _tokens_page(request, user, ApiTokenForm(), created=token, raw_token=raw)
            return render(request, "accounts/api_tokens.html", context, status=201)
    return render(request, "accounts/api_tokens.html", _tokens_page(request, user, form), status=400)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def api_token_revoke_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then revoke one of my tokens (another user's is a 404); it is refused from the next request on."""
    user = cast(User, request.user)
    token = api_token_get_for_user(user=user, pk=pk)
    if request.method == "POST":
        already = token.state() == ApiToken.State.REVOKED
        api_token_revoke(actor=user, token=token, client=client_of(request))
        if not already:
            messages.success(
                request,
                _("The token “%(name)s” is revoked: requests that use it are refused from now on.")
                % {"name": token.name},
            )
        return redirect("api-tokens")
    return render(request, "accounts/api_token_revoke.html", {"token": token})
