"""sostac.stats: experiment statistics with R-exact results.

Every function takes scalars or numpy arrays (broadcast together; the loop runs in
C++ with the GIL released) and returns a result object with named fields,
``to_dict()``, ``to_frame()`` and readable reprs. Arm A is the control, arm B the
variant; differences are B - A and "greater" means B is higher.
"""

from .bayes import beta_binomial, prob_best
from .means import mann_whitney, t_test, t_test_from_stats
from .multiple import adjust_pvalues, srm_test
from .power import (
    mde_means,
    mde_proportions,
    power_means,
    power_proportions,
    sample_size_means,
    sample_size_proportions,
)
from .proportions import (
    diff_ci,
    lift_ci,
    multi_proportion_test,
    one_proportion_test,
    poisson_test,
    proportion_ci,
    two_proportion_test,
)

__all__ = [
    "adjust_pvalues",
    "beta_binomial",
    "diff_ci",
    "lift_ci",
    "mann_whitney",
    "mde_means",
    "mde_proportions",
    "multi_proportion_test",
    "one_proportion_test",
    "poisson_test",
    "power_means",
    "power_proportions",
    "prob_best",
    "proportion_ci",
    "sample_size_means",
    "sample_size_proportions",
    "srm_test",
    "t_test",
    "t_test_from_stats",
    "two_proportion_test",
]
