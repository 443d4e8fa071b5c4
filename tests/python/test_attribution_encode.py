"""Attribution (encode part): path text to the flat arrays, in C++
(sostac/attribution/path_text.hpp), checked against the pure-Python splitter it
replaced (join, split, factorize, strip, sort), on Arrow-backed and object columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sostac._core")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sostac import InputError, attribution  # noqa: E402
from sostac.attribution import _table  # noqa: E402

pa = pytest.importorskip("pyarrow")


def reference(texts, sep=">"):
    """(channels, offsets, steps) in plain Python: split, str.strip, sorted names."""
    rows = [[tok.strip() for tok in t.split(sep)] for t in texts]
    names = sorted({tok for row in rows for tok in row})
    code = {nm: i for i, nm in enumerate(names)}
    offsets = np.cumsum([0] + [len(r) for r in rows]).astype(np.uint64)
    steps = np.array([code[tok] for row in rows for tok in row], dtype=np.int32)
    return names, offsets, steps


def table(path):
    n = len(path)
    return pd.DataFrame({"path": path, "conversions": np.ones(n), "value": np.ones(n),
                         "nulls": np.zeros(n)})


def columns(texts):
    """The same texts as every kind of column encode() meets."""
    large = pa.chunked_array([pa.array(texts[:3], pa.large_string()),
                              pa.array(texts[3:], pa.large_string())])
    small = pa.array(["zz"] + list(texts), pa.string()).slice(1)  # offset 1
    return {
        "object": pd.Series(texts, dtype=object),
        "str": pd.Series(texts, dtype="str"),
        "arrow chunks": pd.Series(pd.arrays.ArrowExtensionArray(large)),
        "arrow sliced 32-bit": pd.Series(pd.arrays.ArrowExtensionArray(small)),
        "python storage": pd.Series(texts, dtype=pd.StringDtype("python")),
    }


TEXTS = ["b > a > b", " c", "a>é > c  ", "\u00a0d\u3000>\x1fa\u2028", "\u200ba", "x y>a",
         "it's > \"q\""]


def test_every_column_kind_matches_the_reference():
    want = reference(TEXTS)
    for kind, col in columns(TEXTS).items():
        e = _table.encode(table(col))
        assert e.channels == want[0], kind
        assert e.offsets.dtype == np.uint64 and e.steps.dtype == np.int32, kind
        np.testing.assert_array_equal(e.offsets, want[1], err_msg=kind)
        np.testing.assert_array_equal(e.steps, want[2], err_msg=kind)
    if hasattr(pd.Series(["a"], dtype="str").array, "__arrow_array__"):
        assert _table._arrow_chunks(pd.Series(TEXTS, dtype="str")) is not None
    assert _table._arrow_chunks(pd.Series(TEXTS, dtype=object)) is None


def test_non_string_objects_are_their_text():
    e = _table.encode(table(pd.Series([12, "a > 12"], dtype=object)))
    assert e.channels == ["12", "a"] and e.steps.tolist() == [0, 1, 0]


@pytest.mark.parametrize("kind", ["object", "str", "arrow chunks", "arrow sliced 32-bit"])
def test_errors_name_the_path(kind):
    bad = ["a", "b > c", "d", "e > > f", "g", "h >"]
    with pytest.raises(InputError, match=r"path\[3\]: empty channel name in 'e > > f'"):
        _table.encode(table(columns(bad)[kind]))
    blank = ["a", "b", "c", "  ", "d"]
    with pytest.raises(InputError, match=r"path\[3\]: empty channel name in '  '"):
        _table.encode(table(columns(blank)[kind]))
    broken = ["a", "b", "c", "d", "e > f\ng"]
    match = r"path\[4\]: a path contains a line break" if kind != "object" \
        else r"a path contains a line break"
    with pytest.raises(InputError, match=match):
        _table.encode(table(columns(broken)[kind]))


def test_separator_parameter():
    t = table(pd.Series(["a -> b", "b->c -> a"], dtype="str"))
    e = _table.encode(t, sep="->")
    assert e.channels == ["a", "b", "c"] and e.steps.tolist() == [0, 1, 1, 2, 0]
    with pytest.raises(InputError, match="sep"):
        _table.encode(t, sep="")
    with pytest.raises(InputError, match="sep"):
        _table.encode(t, sep="\n")


names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n>"),
                min_size=0, max_size=6)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(names, min_size=1, max_size=5), min_size=1, max_size=12),
       st.sampled_from([">", " > ", "->", "||"]))
def test_random_texts_match_the_reference(rows, sep):
    texts = [sep.join(r) for r in rows]
    try:
        want = reference(texts, sep)
    except KeyError:  # pragma: no cover
        raise
    empty = [i for i, t in enumerate(texts) if any(tok.strip() == "" for tok in t.split(sep))]
    for kind in ("object", "str"):
        col = pd.Series(texts, dtype=object if kind == "object" else "str")
        if empty:
            with pytest.raises(InputError, match=rf"path\[{empty[0]}\]: empty channel name"):
                _table.encode(table(col), sep=sep)
            continue
        e = _table.encode(table(col), sep=sep)
        assert e.channels == want[0]
        np.testing.assert_array_equal(e.offsets, want[1])
        np.testing.assert_array_equal(e.steps, want[2])


def test_many_paths_any_thread_count():
    # more paths than one parse block (65536), so the blocks' name tables merge
    rng = np.random.default_rng(3)
    names = np.array(["search", "email", "display", "social", "direct", "é"])
    n = 150_000
    lengths = rng.integers(1, 6, n)
    flat = names[rng.integers(0, len(names), lengths.sum())]
    cuts = np.cumsum(lengths)[:-1]
    texts = [" > ".join(p) for p in np.split(flat, cuts)]
    t = pd.DataFrame({"path": pd.Series(texts, dtype="str"),
                      "conversions": rng.integers(0, 3, n).astype(float),
                      "value": rng.uniform(0, 10, n), "nulls": rng.integers(0, 4, n) * 1.0})
    from sostac import _core
    out = []
    try:
        for threads in (1, 2, 3):
            _core.set_num_threads(threads)
            e = _table.encode(t)
            r = attribution.markov(t, order=2)
            out.append((e, r))
    finally:
        _core.set_num_threads(0)
    want = reference(texts[:20000])
    assert out[0][0].channels == sorted(names.tolist())
    np.testing.assert_array_equal(out[0][0].offsets[:20001], want[1])
    for e, r in out[1:]:
        np.testing.assert_array_equal(e.steps, out[0][0].steps)
        pd.testing.assert_frame_equal(r.removal_effects, out[0][1].removal_effects,
                                      check_exact=True)
        pd.testing.assert_frame_equal(r.transition_matrix, out[0][1].transition_matrix,
                                      check_exact=True)
