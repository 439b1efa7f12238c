"""API routes of meetings (placeholder until the feature lands)."""

urlpatterns: list = []
