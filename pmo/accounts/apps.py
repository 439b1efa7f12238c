from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "pmo.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from pmo.accounts import schema  # noqa: F401 - registers the OpenAPI security scheme
        from pmo.accounts.middleware import session_activity_start

        user_logged_in.connect(session_activity_start, dispatch_uid="pmo-session-activity-start")
