"""(placeholder for the _audit work)"""

__all__: list = []
