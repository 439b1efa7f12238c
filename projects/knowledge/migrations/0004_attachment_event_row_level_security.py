from django.db import migrations

from pmo.tenancy.db import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_attachment_history_and_constraints")]

    operations = [EnableRowLevelSecurity("knowledge_attachmentevent")]
