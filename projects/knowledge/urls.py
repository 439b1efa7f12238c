"""Pages of the knowledge base, mounted at ``/o/<org_slug>/``."""

urlpatterns: list = []
