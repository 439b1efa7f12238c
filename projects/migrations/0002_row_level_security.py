from django.db import migrations

from pmo.tenancy.db import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [
        EnableRowLevelSecurity("projects_project"),
        EnableRowLevelSecurity("projects_projectevent"),
        EnableRowLevelSecurity("projects_projectuserobjectpermission"),
    ]
