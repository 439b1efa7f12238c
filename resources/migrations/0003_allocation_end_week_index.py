"""An index for the capacity grid's allocated hours (``resources.capacity.allocated_hours``): the allocations of an
organisation that end in or after a window, with the columns the grid sums, so PostgreSQL reads them from the
index alone instead of every allocation of the organisation. Built concurrently: the table is large at scale."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("resources", "0002_row_level_security"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="allocation",
            index=models.Index(
                fields=["organization", "end_week"],
                include=["start_week", "person", "hours_per_week"],
                name="allocation_org_end_week_idx",
            ),
        ),
    ]
