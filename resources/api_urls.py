"""API routes of resources (placeholder until the feature lands)."""

urlpatterns: list = []
