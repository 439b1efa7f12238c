from django.db import migrations

from pmo.tenancy.db import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0001_initial")]

    operations = [
        EnableRowLevelSecurity("portfolio_portfolio"),
        EnableRowLevelSecurity("portfolio_portfolioevent"),
        EnableRowLevelSecurity("portfolio_portfoliouserobjectpermission"),
    ]
