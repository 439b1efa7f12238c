"""API routes of status (placeholder until the feature lands)."""

urlpatterns: list = []
