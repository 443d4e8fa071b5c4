"""(placeholder for the _simulate work)"""

__all__: list = []
