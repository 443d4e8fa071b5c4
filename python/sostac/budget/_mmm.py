"""(placeholder for the _mmm work)"""

__all__: list = []
