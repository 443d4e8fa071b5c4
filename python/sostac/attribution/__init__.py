"""Attribution: which channels earn the conversions.

Customer journeys (paths of channel touches ending in a conversion or not) from a
touchpoint log or a ChannelAttribution-style path table; heuristic models (first,
last, linear, time decay, position based), assisted vs last-interaction conversions,
exact Markov-chain removal effects and Shapley values, and seeded bootstrap
intervals for them, computed in C++.  See
docs/attribution.md.
"""

from __future__ import annotations

from ._accumulator import *  # noqa: F401,F403
from ._accumulator import __all__ as _accumulator_all
from ._bootstrap import *  # noqa: F401,F403
from ._bootstrap import __all__ as _bootstrap_all
from ._compare import *  # noqa: F401,F403
from ._compare import __all__ as _compare_all
from ._models import *  # noqa: F401,F403
from ._models import __all__ as _models_all
from ._paths import *  # noqa: F401,F403
from ._paths import __all__ as _paths_all

__all__ = [*_paths_all, *_accumulator_all, *_models_all, *_compare_all, *_bootstrap_all]
