"""Group-sequential designs (placeholder for the sequential work)."""

__all__: list = []
