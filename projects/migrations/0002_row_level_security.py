from django.db import migrations

from pmo.tenancy.db import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [
        EnableRowLevelSecurity("projects_processtemplate"),
        EnableRowLevelSecurity("projects_processtemplateevent"),
        EnableRowLevelSecurity("projects_templatephase"),
        EnableRowLevelSecurity("projects_templatedeliverable"),
        EnableRowLevelSecurity("projects_templategate"),
        EnableRowLevelSecurity("projects_project"),
        EnableRowLevelSecurity("projects_projectevent"),
        EnableRowLevelSecurity("projects_projectuserobjectpermission"),
        EnableRowLevelSecurity("projects_projectobjective"),
        EnableRowLevelSecurity("projects_projectphase"),
        EnableRowLevelSecurity("projects_projectphaseevent"),
        EnableRowLevelSecurity("projects_projectdeliverable"),
        EnableRowLevelSecurity("projects_projectdeliverableevent"),
        EnableRowLevelSecurity("projects_gatereview"),
        EnableRowLevelSecurity("projects_gatereviewevent"),
        EnableRowLevelSecurity("projects_tailoringrequest"),
        EnableRowLevelSecurity("projects_tailoringrequestevent"),
        EnableRowLevelSecurity("projects_milestone"),
        EnableRowLevelSecurity("projects_milestoneevent"),
        EnableRowLevelSecurity("projects_baseline"),
        EnableRowLevelSecurity("projects_dependency"),
        EnableRowLevelSecurity("projects_dependencyevent"),
        EnableRowLevelSecurity("projects_closurereport"),
        EnableRowLevelSecurity("projects_closurereportevent"),
    ]
