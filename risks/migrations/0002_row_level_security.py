from django.db import migrations

from pmo.tenancy.db import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("risks", "0001_initial")]

    operations = [
        EnableRowLevelSecurity("risks_assumption"),
        EnableRowLevelSecurity("risks_assumptionevent"),
        EnableRowLevelSecurity("risks_issue"),
        EnableRowLevelSecurity("risks_risk"),
        EnableRowLevelSecurity("risks_issueevent"),
        EnableRowLevelSecurity("risks_riskaction"),
        EnableRowLevelSecurity("risks_riskactionevent"),
        EnableRowLevelSecurity("risks_riskevent"),
        EnableRowLevelSecurity("risks_risksettings"),
        EnableRowLevelSecurity("risks_risksettingsevent"),
    ]
