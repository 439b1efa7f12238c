from django.db import migrations

from pmo.tenancy.db import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("calendars", "0001_initial")]

    operations = [EnableRowLevelSecurity("calendars_calendarfeed")]
