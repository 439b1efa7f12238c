"""API routes of changes (placeholder until the feature lands)."""

urlpatterns: list = []
