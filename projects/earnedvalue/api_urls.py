"""API routes of earned value (placeholder until the feature lands)."""

urlpatterns: list = []
