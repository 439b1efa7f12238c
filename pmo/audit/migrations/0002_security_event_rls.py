from django.db import migrations

from pmo.tenancy.db import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_security_events")]

    operations = [EnableRowLevelSecurity("audit_securityevent")]
