"""Engage: customer analytics from a transaction log.

Per-customer summaries (the buy-till-you-die sufficient statistics), RFM scores and
segments, and the BG/NBD, MBG/NBD, Pareto/NBD, BG/BB and Gamma-Gamma models fitted by
maximum likelihood in C++.  See docs/customer.md.
"""

from __future__ import annotations

from ._models import *  # noqa: F401,F403
from ._models import __all__ as _models_all
from ._pareto import *  # noqa: F401,F403
from ._pareto import __all__ as _pareto_all
from ._summary import *  # noqa: F401,F403
from ._summary import __all__ as _summary_all

__all__ = [*_summary_all, *_models_all, *_pareto_all]
