from django.db import migrations

from pmo.tenancy.db import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [
        EnableRowLevelSecurity("reports_alert"),
        EnableRowLevelSecurity("reports_alertevent"),
        EnableRowLevelSecurity("reports_alertrule"),
        EnableRowLevelSecurity("reports_alertruleevent"),
        EnableRowLevelSecurity("reports_alertscan"),
        EnableRowLevelSecurity("reports_notification"),
        EnableRowLevelSecurity("reports_notificationpreference"),
        EnableRowLevelSecurity("reports_notificationpreferenceevent"),
        EnableRowLevelSecurity("reports_reminderpolicy"),
        EnableRowLevelSecurity("reports_reminderpolicyevent"),
        EnableRowLevelSecurity("reports_report"),
        EnableRowLevelSecurity("reports_reportschedule"),
        EnableRowLevelSecurity("reports_reportscheduleevent"),
        EnableRowLevelSecurity("reports_reportsubscription"),
        EnableRowLevelSecurity("reports_reportsubscriptionevent"),
        EnableRowLevelSecurity("reports_webhook"),
        EnableRowLevelSecurity("reports_webhookdelivery"),
        EnableRowLevelSecurity("reports_webhookevent"),
    ]
