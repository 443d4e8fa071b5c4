"""sostac.customer: Pareto/NBD, BG/BB and the Gauss hypergeometric function."""

from __future__ import annotations

__all__: list[str] = []
