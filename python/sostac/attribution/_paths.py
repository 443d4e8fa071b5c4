"""Attribution (paths part)."""

from __future__ import annotations

__all__: list = []
