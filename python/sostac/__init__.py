"""sostac: SOSTAC/RACE digital-marketing plans and the statistics that control them.

The compiled core (``sostac._core``) is private; use ``sostac.stats`` for
experiment statistics and ``sostac.kpi_catalog()`` for the KPI vocabulary.
"""

from . import _core, control, io, metrics, stats
from ._core import InputError
from ._core import __version__
from ._kpi import kpi_catalog
from .plan import Finding, Plan, plan_schema
from . import report  # noqa: E402  (needs __version__)


def set_num_threads(n: int) -> None:
    """Set the number of threads sostac's kernels use.

    Parameters
    ----------
    n : int
        Threads to use; ``n <= 0`` restores the default, which is the
        ``SOSTAC_NUM_THREADS`` environment variable if set, else all cores. Results
        never depend on this setting (work is cut into fixed chunks).

    Returns
    -------
    None

    Examples
    --------
    >>> import sostac
    >>> sostac.set_num_threads(1)
    >>> sostac.get_num_threads()
    1
    >>> sostac.set_num_threads(0)  # back to the default
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise InputError(f"n: expected an integer number of threads, got {n!r}")
    _core.set_num_threads(n)


def get_num_threads() -> int:
    """The number of threads sostac's kernels currently use.

    Parameters
    ----------
    None

    Returns
    -------
    int
        The value set by :func:`set_num_threads`, else ``SOSTAC_NUM_THREADS``, else
        the number of cores.

    Examples
    --------
    >>> import sostac
    >>> sostac.get_num_threads() >= 1
    True
    """
    return int(_core.get_num_threads())


__all__ = [
    "Finding",
    "InputError",
    "Plan",
    "__version__",
    "get_num_threads",
    "kpi_catalog",
    "metrics",
    "plan_schema",
    "report",
    "set_num_threads",
    "stats",
]
