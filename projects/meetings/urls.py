"""Weekly meeting pages (placeholder until the feature lands)."""

urlpatterns: list = []
