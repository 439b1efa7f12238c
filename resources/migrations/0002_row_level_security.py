from django.db import migrations

from pmo.tenancy.db import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial")]

    operations = [
        EnableRowLevelSecurity("resources_allocation"),
        EnableRowLevelSecurity("resources_calendarday"),
        EnableRowLevelSecurity("resources_calendardayevent"),
        EnableRowLevelSecurity("resources_department"),
        EnableRowLevelSecurity("resources_person"),
        EnableRowLevelSecurity("resources_allocationevent"),
        EnableRowLevelSecurity("resources_personevent"),
        EnableRowLevelSecurity("resources_skill"),
        EnableRowLevelSecurity("resources_personskill"),
        EnableRowLevelSecurity("resources_staffingrequirement"),
        EnableRowLevelSecurity("resources_staffingrequirementevent"),
        EnableRowLevelSecurity("resources_timeoff"),
        EnableRowLevelSecurity("resources_timeoffevent"),
        EnableRowLevelSecurity("resources_timesheet"),
        EnableRowLevelSecurity("resources_timesheetentry"),
        EnableRowLevelSecurity("resources_timesheetevent"),
    ]
