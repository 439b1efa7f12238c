from django.db import migrations

from pmo.tenancy.db import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial")]

    operations = [
        EnableRowLevelSecurity(
            "tenancy_membership",
            # A user may read their own memberships in every organisation (organisation switcher, /api/v1/orgs/).
            extra_using={"own_memberships": "user_id = NULLIF(current_setting('app.user_id', true), '')::bigint"},
        ),
        EnableRowLevelSecurity("tenancy_membershipevent"),
        EnableRowLevelSecurity("tenancy_invitation"),
        EnableRowLevelSecurity("tenancy_invitationevent"),
    ]
