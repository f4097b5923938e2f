"""Storage backends for the index."""
