from django.db import migrations

from pmo.tenancy.db import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0002_initial")]

    operations = [
        EnableRowLevelSecurity("portfolio_portfolio"),
        EnableRowLevelSecurity("portfolio_portfolioevent"),
        EnableRowLevelSecurity("portfolio_portfoliouserobjectpermission"),
        EnableRowLevelSecurity("portfolio_programme"),
        EnableRowLevelSecurity("portfolio_programmeevent"),
        EnableRowLevelSecurity("portfolio_strategicobjective"),
        EnableRowLevelSecurity("portfolio_strategicobjectiveevent"),
        EnableRowLevelSecurity("portfolio_scoringcriterion"),
        EnableRowLevelSecurity("portfolio_scoringcriterionevent"),
        EnableRowLevelSecurity("portfolio_projectrequest"),
        EnableRowLevelSecurity("portfolio_projectrequestevent"),
        EnableRowLevelSecurity("portfolio_requestobjective"),
        EnableRowLevelSecurity("portfolio_requestscore"),
        EnableRowLevelSecurity("portfolio_requestscoreevent"),
        EnableRowLevelSecurity("portfolio_scenario"),
        EnableRowLevelSecurity("portfolio_scenarioitem"),
    ]
