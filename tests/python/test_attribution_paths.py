"""sostac.attribution (paths part): read_paths, heuristics, assists, the path builder."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sostac import InputError
from sostac.attribution import read_paths

ROOT = Path(__file__).resolve().parents[2]


def _shared_data() -> Path:
    for d in (os.environ.get("SOSTAC_SHARED_DATA"), ROOT.parent / "shared" / "data",
              "/work/shared/data"):
        if d and (Path(d) / "ChannelAttribution_Data.csv").exists():
            return Path(d)
    pytest.skip("ChannelAttribution_Data.csv not found (set SOSTAC_SHARED_DATA to the "
                "folder of the shared reference data)")


@pytest.fixture(scope="module")
def ca_raw():
    return pd.read_csv(_shared_data() / "ChannelAttribution_Data.csv", sep=";")


def _raw(paths, conv=None, value=None, nulls=None):
    n = len(paths)
    return pd.DataFrame({"path": paths,
                         "total_conversions": conv if conv is not None else [1.0] * n,
                         "total_conversion_value": value if value is not None else [2.0] * n,
                         "total_null": nulls if nulls is not None else [0.0] * n})


# -- read_paths ---------------------------------------------------------------------------

def test_read_paths_normalises_and_merges():
    t = read_paths(_raw(["a>b", " a >  b ", "c", "b>a"], conv=[1, 2, 0, 1],
                        value=[1.0, 2.5, 0.0, 4.0], nulls=[1, 2, 3, 0]))
    assert list(t.columns) == ["path", "conversions", "value", "nulls"]
    assert t["path"].tolist() == ["a > b", "c", "b > a"]
    assert t["conversions"].tolist() == [3.0, 0.0, 1.0]
    assert t["value"].tolist() == [3.5, 0.0, 4.0]
    assert t["nulls"].tolist() == [3.0, 3.0, 0.0]


def test_read_paths_other_separator_and_optional_columns():
    raw = pd.DataFrame({"p": ["x >>> y", "y"], "c": [1, 2]})
    t = read_paths(raw, path="p", conversions="c", value=None, nulls=None, sep=">>>")
    assert t["path"].tolist() == ["x > y", "y"]
    assert t["value"].tolist() == [0.0, 0.0] and t["nulls"].tolist() == [0.0, 0.0]
    # a separator found in no path: every path is one touch
    t = read_paths(raw.assign(p=["x", "y"]), path="p", conversions="c", value=None,
                   nulls=None, sep="|")
    assert t["path"].tolist() == ["x", "y"]


def test_read_paths_reads_the_reference_file(ca_raw):
    t = read_paths(ca_raw)
    assert t["conversions"].sum() == pytest.approx(ca_raw["total_conversions"].sum())
    assert t["value"].sum() == pytest.approx(ca_raw["total_conversion_value"].sum())
    assert t["path"].is_unique
    assert len(t) == ca_raw["path"].str.replace(r"\s*>\s*", " > ", regex=True).nunique()


@pytest.mark.parametrize("raw, kwargs, match", [
    (_raw([]), {}, r"path: the path table is empty"),
    (_raw([None, None]), {}, r"path: every path is missing"),
    (_raw(["a", None]), {}, r"path\[1\]: missing path"),
    (_raw(["a", "  "]), {}, r"path\[1\]: empty path"),
    (_raw(["a", "a > > b"]), {}, r"path\[1\]: empty channel name"),
    (_raw(["a >", "b"]), {}, r"path\[0\]: empty channel name"),
    (_raw(["a", "> b"]), {}, r"path\[1\]: empty channel name"),
    (_raw(["a", "b"], conv=[1, -1]), {}, r"total_conversions\[1\]: expected a count >= 0"),
    (_raw(["a", "b"], nulls=[-2, 0]), {}, r"total_null\[0\]: expected a count >= 0"),
    (_raw(["a", "b"], conv=[1, np.nan]), {}, r"total_conversions\[1\]: expected a finite"),
    (_raw(["a", "b"], value=[np.nan, 1]), {},
     r"total_conversion_value\[0\]: expected a finite"),
    (_raw(["a", "b"]), {"sep": ""}, r"sep: expected a non-empty separator"),
    (_raw(["a", "b"]), {"conversions": "conv"}, r"conversions: data has no column 'conv'"),
    (_raw(["a|b", "c>d"]), {"sep": "|"}, r"path\[1\]: channel name with '>'"),
])
def test_read_paths_errors(raw, kwargs, match):
    with pytest.raises(InputError, match=match):
        read_paths(raw, **kwargs)
