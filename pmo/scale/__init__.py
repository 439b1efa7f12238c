"""Performance at scale (issue 9): ``seed_scale`` generates tiers of realistic data (``pmo.scale.generator``) that the
benchmark command measures the pages on."""
