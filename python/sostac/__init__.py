"""sostac: SOSTAC/RACE digital-marketing plans and the statistics that control them.

The compiled core (``sostac._core``) is private; use ``sostac.stats`` for
experiment statistics.
"""

from . import stats
from ._core import InputError, get_num_threads, set_num_threads
from ._core import __version__

__all__ = ["InputError", "__version__", "get_num_threads", "set_num_threads", "stats"]
