"""The portfolio app's API under ``/api/v1/orgs/<org_slug>/``: portfolios, programmes (``programs/``), strategic
objectives, the scoring model (``scoring-criteria/``), intake requests with their workflow actions, the ranked
pipeline and what-if scenarios. Thin views: an input serializer, one service, an output serializer."""
