from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "pmo.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"
