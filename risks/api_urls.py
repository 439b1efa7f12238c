"""API routes of risks (placeholder until the feature lands)."""

urlpatterns: list = []
