"""A project's documents: files uploaded to the project and links to documents kept elsewhere."""
