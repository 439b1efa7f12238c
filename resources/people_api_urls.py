"""Routes (placeholder until the feature lands)."""

urlpatterns: list = []
