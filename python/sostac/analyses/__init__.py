"""The analyses the Control stage runs and the report shows, one module each.

Each analysis (an :class:`Analysis`) computes its part of
:class:`sostac.control.ControlResult` from the cleaned inputs (:class:`Inputs`) and
renders its own report section (HTML and Markdown) and JSON; the Control stage and the
report compose them in the order of :data:`ANALYSES`. docs/ARCHITECTURE.md ("How an
analysis plugs in") says how to add one.
"""

from __future__ import annotations

from ._base import Analysis, Inputs, registry
from .attribution import ANALYSIS as _ATTRIBUTION
from .attribution import Attribution
from .engage import Engage
from .experiments import Experiments
from .what_works import WhatWorks

#: The analyses, in the report's order (the keys are ControlResult attributes).
ANALYSES = registry([WhatWorks(), Experiments(), Engage(), _ATTRIBUTION])

__all__ = ["ANALYSES", "Analysis", "Attribution", "Inputs", "Engage", "Experiments",
           "WhatWorks"]
