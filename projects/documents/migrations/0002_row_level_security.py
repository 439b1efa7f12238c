from django.db import migrations

from pmo.tenancy.db import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [
        EnableRowLevelSecurity("documents_projectdocument"),
        EnableRowLevelSecurity("documents_projectdocumentevent"),
    ]
