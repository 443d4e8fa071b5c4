"""sostac.customer: the per-customer summary (BTYD sufficient statistics) and RFM."""

from __future__ import annotations

__all__: list[str] = []
