"""Management commands of the screening app."""
