"""Budget: break-even per channel, carry-over and saturation of media spend, the
marketing-mix model, response curves, the exact allocator and the channel audit
(issue 16).
See docs/budget.md.
"""

from __future__ import annotations

from ._allocate import *  # noqa: F401,F403
from ._allocate import __all__ as _allocate_all
from ._audit import *  # noqa: F401,F403
from ._audit import __all__ as _audit_all
from ._break_even import *  # noqa: F401,F403
from ._break_even import __all__ as _break_even_all
from ._mmm import *  # noqa: F401,F403
from ._mmm import __all__ as _mmm_all
from ._simulate import *  # noqa: F401,F403
from ._simulate import __all__ as _simulate_all
from ._transforms import *  # noqa: F401,F403
from ._transforms import __all__ as _transforms_all

__all__ = [*_break_even_all, *_transforms_all, *_allocate_all, *_mmm_all, *_simulate_all,
           *_audit_all]
