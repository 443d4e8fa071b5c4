"""Optional dependencies: one line naming the extra that installs a missing one."""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the pip extra."""


def require(module: str, extra: str, what: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` saying
    ``sostac: {what}: pip install "sostac[{extra}]"``.

    >>> require("json", "none", "never shown").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(f'sostac: {what}: pip install "sostac[{extra}]"') from exc
