"""sostac.customer: BG/NBD, MBG/NBD, Gamma-Gamma and the maximum-likelihood optimiser."""

from __future__ import annotations

__all__: list[str] = []
