"""Pages of the portfolio app, mounted at ``/o/<org_slug>/``: portfolio structure (``structure``), intake
(``intake``) and what-if scenarios (``scenarios``). Thin: parse a form, call one service, render a template."""
