from django.db import migrations

from pmo.tenancy.db import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [
        EnableRowLevelSecurity("knowledge_article"),
        EnableRowLevelSecurity("knowledge_articleevent"),
        EnableRowLevelSecurity("knowledge_attachment"),
    ]
