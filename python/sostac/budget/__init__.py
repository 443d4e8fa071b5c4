"""Budget: break-even per channel, and carry-over and saturation of media spend (the
first parts of issue 16's budget analytics: the marketing-mix model and the allocator
build on them).
See docs/budget.md.
"""

from __future__ import annotations

from ._allocate import *  # noqa: F401,F403
from ._allocate import __all__ as _allocate_all
from ._break_even import *  # noqa: F401,F403
from ._break_even import __all__ as _break_even_all
from ._transforms import *  # noqa: F401,F403
from ._transforms import __all__ as _transforms_all

__all__ = [*_break_even_all, *_transforms_all, *_allocate_all]
