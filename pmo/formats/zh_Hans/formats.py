"""Simplified Chinese number formats as finance and PMO documents print them: 4,800,000 (Django's defaults group by
ten thousand with no separator, "4800000"). Everything else comes from Django's own zh_Hans formats."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
