from django.db import migrations

from pmo.tenancy.db import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("imports", "0001_initial")]

    operations = [EnableRowLevelSecurity("imports_importbatch")]
