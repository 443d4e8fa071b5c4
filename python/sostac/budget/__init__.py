"""Budget: carry-over and saturation of media spend (the first part of issue 16's
budget analytics: break-even, marketing-mix models and the allocator build on it).
See docs/budget.md.
"""

from __future__ import annotations

from ._transforms import *  # noqa: F401,F403
from ._transforms import __all__ as _transforms_all

__all__ = [*_transforms_all]
