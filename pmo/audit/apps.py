from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "pmo.audit"
    label = "audit"
    verbose_name = "Audit trail"
