from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "pmo.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from pmo.core import datacache

        # Every database connection notices the writes that invalidate the per-organisation data cache.
        connection_created.connect(datacache.install, dispatch_uid="pmo.core.datacache.install")
