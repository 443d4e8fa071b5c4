"""Broadcasting glue between numpy inputs and the flat-array kernels in _core."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._core import InputError


def as_float_array(name: str, value: Any) -> np.ndarray:
    """``value`` as a float64 array, with an error naming ``name`` if it is not
    numeric."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name}: expected numbers, got {value!r}") from exc


def broadcast(names: Sequence[str], values: Sequence[Any]):
    """Broadcast ``values`` together; returns (flat contiguous float64 arrays, shape,
    scalar) where ``scalar`` says every input was a scalar."""
    arrays = [as_float_array(n, v) for n, v in zip(names, values)]
    try:
        b = np.broadcast_arrays(*arrays)
    except ValueError:
        shapes = ", ".join(f"{n}{tuple(a.shape)}" for n, a in zip(names, arrays))
        raise InputError(
            f"{', '.join(names)}: shapes cannot be broadcast together: {shapes}"
        ) from None
    shape = b[0].shape
    scalar = all(a.ndim == 0 for a in arrays)
    flats = [np.ascontiguousarray(x).reshape(-1) for x in b]
    return flats, shape, scalar


def shape_outputs(out: dict, shape: tuple, scalar: bool) -> dict:
    """Kernel outputs (flat arrays) reshaped to the broadcast shape, or floats."""
    if scalar:
        return {k: float(v[0]) for k, v in out.items()}
    return {k: np.asarray(v).reshape(shape) for k, v in out.items()}


def call(kernel, names: Sequence[str], values: Sequence[Any], *options: Any) -> dict:
    """Broadcast ``values``, run ``kernel(*flats, *options, indexed)``, reshape."""
    flats, shape, scalar = broadcast(names, values)
    out = kernel(*flats, *options, not scalar)
    return shape_outputs(out, shape, scalar)


def check_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InputError(
            f"{name}: expected one of {', '.join(repr(c) for c in choices)}, got {value!r}"
        )
    return value


ALTERNATIVES = ("two-sided", "greater", "less")


def tails_option(strict: Any) -> str:
    if strict is None:
        return "reference"
    if isinstance(strict, (bool, np.bool_)):
        return "both" if strict else "one"
    raise InputError(f"strict: expected True, False or None, got {strict!r}")
