"""Attribution (models part)."""

from __future__ import annotations

__all__: list = []
