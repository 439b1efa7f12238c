"""Models arrive with the feature work for this app."""
