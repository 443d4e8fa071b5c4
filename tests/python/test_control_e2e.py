"""End to end: example plan + daily data -> Plan.control -> the JSON report.

The two example plans (examples/plans/ecommerce_race.yaml, b2b_paid_search.yaml) are
loaded from disk and given small deterministic daily data (integers, constant within
a week or a month, so that every sum can be stated in the test). Each objective's row
of ``json.loads(result.to_json())`` - the contract other tools read - is checked
against numbers computed here from first principles with scipy and numpy (never by
calling sostac), following docs/control.md and docs/metrics.md:

* rate of two counts: score test without continuity correction,
  z = (x/n - p0) / sqrt(p0 (1 - p0) / n) (the worked example's -6.655 and
  docs/stats.md: R prop.test(..., correct = FALSE)), Wilson interval;
* cost per count: the count is Poisson(cost / target), exact tail; Garwood interval;
* count per period: the total is Poisson(periods x target), exact tail;
* rates, costs per count and counts: when Pearson's dispersion of the per-period
  counts about their pooled rate, phi = X^2 / (m - 1), exceeds 1, the score z over
  sqrt(phi) against Student's t on m - 1 df, the p-value never below the plain one;
* other ratio: z = (value - target) / se, se = interval half-width / z quantile,
  the interval being the delta method with days as units;
* projection: OLS (numpy lstsq) through the per-period values, x in days since
  1970-01-01 of each period's start, at the deadline, t prediction interval;
* verdict: the documented rule, before and at/after the deadline.

Between them the data give every status and every branch of the rule:

=========================  ============================================  ===========
objective                  branch                                        status
=========================  ============================================  ===========
ecom o-act (bounce)        before deadline, value meets the target       on_track
ecom o-convert (conv.)     before, value short, projection's low meets   on_track
ecom o-save (CPA)          before, p < alpha, projection's low misses    off_track
ecom o-reach (visits)      before, value short, p >= alpha               at_risk
ecom o-engage (repeat)     distinct customers from daily rows: refused   insufficient
ecom o-roas (added)        after deadline, p < alpha (the before-rule
                           would say at_risk: projection reaches 4)      off_track
b2b  o-ctr                 after deadline, value meets                   on_track
b2b  o-cpa                 after deadline, p >= alpha (the before-rule
                           would say on_track: projection's high meets)  at_risk
ecom o-reach, 10 days of   a partly covered month counts for its share   on_track
  March                    (10/31 of a month), not as a whole one

After its deadline an objective is judged on the data up to the deadline (as_of
later than the deadline gives the same row as as_of = deadline).
b2b  o-leads               before, p < alpha, projection's high meets    at_risk
b2b  o-cpa as_of=deadline  at the deadline counts as after               at_risk
b2b  2 weeks after dl.     fewer than 3 periods is fine after deadline   on_track
=========================  ============================================  ===========
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from sostac import Plan

ROOT = Path(__file__).resolve().parents[2]
ECOMMERCE = ROOT / "examples" / "plans" / "ecommerce_race.yaml"
B2B = ROOT / "examples" / "plans" / "b2b_paid_search.yaml"

ALPHA, LEVEL = 0.05, 0.95
Z = sps.norm.ppf((1 + LEVEL) / 2)  # 1.959963984540054
REL = 1e-9
EPOCH = pd.Timestamp("1970-01-01")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

KPI_KEYS = ["objective", "kpi", "period", "value", "low", "high", "target", "status",
            "rule", "p_value", "projected", "projected_low", "projected_high",
            "direction", "deadline", "cadence", "periods", "test", "statistic"]
TOP_KEYS = {"as_of", "alpha", "level", "kpis", "alerts", "what_works", "experiments",
            "scoreboard", "recommendations", "race_funnel", "findings"}


# ----------------------------------------------------------------- independent maths

def close(actual, expected, rel=REL):
    """actual == expected to `rel`; p-values below 1e-300 compared on the log scale."""
    assert actual is not None, f"got null, expected {expected!r}"
    if expected != 0 and abs(expected) < 1e-300:
        assert actual > 0 and math.log(actual) == pytest.approx(math.log(expected), rel=rel)
    else:
        assert actual == pytest.approx(expected, rel=rel, abs=0), (actual, expected)


def days_since_epoch(ts) -> float:
    return float((pd.Timestamp(ts) - EPOCH).days)


def period_start(dates: pd.Series, cadence: str) -> pd.Series:
    """ISO week (Monday) or calendar month start of each day."""
    dates = pd.to_datetime(dates)
    if cadence == "weekly":
        return dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")
    if cadence == "monthly":
        return dates.dt.to_period("M").dt.to_timestamp()
    raise AssertionError(cadence)


def per_period(part: pd.DataFrame, cadence: str, num: str, den: str | None):
    """(x in days since 1970-01-01 of each period start, per-period value, sums)."""
    start = period_start(part["date"], cadence)
    cols = [num] + ([den] if den else [])
    g = part.groupby(start.to_numpy())[cols].sum().sort_index()
    x = np.array([days_since_epoch(t) for t in g.index])
    y = (g[num] / g[den]).to_numpy(float) if den else g[num].to_numpy(float)
    return x, y, g


def ols_prediction(x, y, x0, level=LEVEL):
    """OLS line through (x, y) at x0 with its t prediction interval."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    design = np.column_stack([np.ones(n), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    s = math.sqrt(float(resid @ resid) / (n - 2))
    sxx = float(((x - x.mean()) ** 2).sum())
    est = coef[0] + coef[1] * x0
    half = sps.t.ppf((1 + level) / 2, n - 2) * s * math.sqrt(
        1 + 1 / n + (x0 - x.mean()) ** 2 / sxx)
    return est, est - half, est + half


def wilson(x, n, z=Z):
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def garwood(k, level=LEVEL):
    a = 1 - level
    return sps.chi2.ppf(a / 2, 2 * k) / 2, sps.chi2.ppf(1 - a / 2, 2 * k + 2) / 2


def dispersion(x, n, binomial):
    """(phi, df): Pearson's X^2 / (m - 1) of per-period counts x over trials or
    exposures n about the pooled rate (periods with n = 0 left out)."""
    x, n = np.asarray(x, float), np.asarray(n, float)
    x, n = x[n > 0], n[n > 0]
    r = x.sum() / n.sum()
    v = r * (1 - r) if binomial else r
    return float(((x - n * r) ** 2 / (n * v)).sum() / (len(x) - 1)), len(x) - 1


def with_dispersion(plain_test, plain_stat, plain_p, z, phi, df, side):
    """(test, statistic, p) of the documented rule: the plain test unless phi > 1,
    then z / sqrt(phi) against t(df), its p never below the plain one."""
    if not phi > 1:
        return plain_test, plain_stat, plain_p
    t = z / math.sqrt(phi)
    p_t = sps.t.cdf(t, df) if side == "less" else sps.t.sf(t, df)
    return ("quasi-binomial" if plain_test == "score" else "quasi-poisson"), t, max(plain_p, p_t)


def verdict(value, target, higher, p, lo, hi, before, periods, alpha=ALPHA):
    """The documented rule (docs/control.md, step 3)."""
    meets = (lambda v: v >= target) if higher else (lambda v: v <= target)
    if before and periods < 3:
        return "insufficient_data"
    short = p < alpha
    if not before:
        return "on_track" if meets(value) else "off_track" if short else "at_risk"
    pessimistic, optimistic = (lo, hi) if higher else (hi, lo)
    if meets(value) or meets(pessimistic):
        return "on_track"
    if short and not meets(optimistic):
        return "off_track"
    return "at_risk"


def strict_json(text: str):
    """json.loads refusing NaN / Infinity tokens (they must have become null)."""
    def refuse(token):
        raise AssertionError(f"non-standard JSON constant {token} in the report")
    return json.loads(text, parse_constant=refuse)


def check_projection(row, x, y, deadline):
    est, lo, hi = ols_prediction(x, y, days_since_epoch(deadline))
    close(row["projected"], est)
    close(row["projected_low"], lo)
    close(row["projected_high"], hi)
    return est, lo, hi


# ------------------------------------------------------------------------ the data

MEASURES = ["sessions", "orders", "bounces", "visitors", "cost", "revenue", "customers",
            "repeat_customers"]
# e-commerce, Mon 2027-01-04 .. Sun 2027-03-28: 12 ISO weeks, 84 days; the SEO
# visits (sessions, a monthly count) cover whole months, 2027-01-01 .. 03-31, so that no
# partial month is counted as a month; the report is as of 2027-03-31
ECOM_DAYS = pd.date_range("2027-01-04", "2027-03-28")
SEO_DAYS = pd.date_range("2027-01-01", "2027-03-31")
CONV_ORDERS = [15, 15, 16, 17, 17, 18, 19, 19, 20, 21, 21, 22]  # per day, by week; 1000 sessions
BOUNCES = [390, 370, 380] * 4                                   # per day, by week; 1000 sessions
SOCIAL_ORDERS = [20, 21, 21, 20] * 3                            # per day, by week; cost 600
SOCIAL_REVENUE = [2100.0, 2400.0] * 6                           # per day, by week
SEO_VISITS = {1: 7400, 2: 8230, 3: 7420}                      # per day, by month


def ecommerce_data() -> pd.DataFrame:
    rows = []
    for i, d in enumerate(ECOM_DAYS):
        w = i // 7
        zero = dict.fromkeys(MEASURES, 0)
        rows.append({**zero, "date": d, "channel": "site", "sessions": 1000,
                     "orders": CONV_ORDERS[w], "bounces": BOUNCES[w]})
        rows.append({**zero, "date": d, "channel": "paid_social", "cost": 600.0,
                     "orders": SOCIAL_ORDERS[w], "revenue": SOCIAL_REVENUE[w]})
        if d >= pd.Timestamp("2027-02-01"):  # e-mail starts in February: two months
            rows.append({**zero, "date": d, "channel": "email", "customers": 100,
                         "repeat_customers": 25})
    for d in SEO_DAYS:
        rows.append({**dict.fromkeys(MEASURES, 0), "date": d, "channel": "seo",
                     "sessions": SEO_VISITS[d.month]})
    return pd.DataFrame(rows)


# B2B, Mon 2027-04-05 .. Sun 2027-07-04: 13 ISO weeks, 91 days; the CTR and CPA
# deadline (2027-06-30) is before the last day, the lead-rate one (09-30) after it
CLICKS = [320, 330, 340]              # per day, by week (cycled); 20,000 impressions
LEADS = {4: 8, 5: 9, 6: 8, 7: 9}      # per day, by month; 400 sessions


def search_cost(w: int) -> float:
    """Cost per day in week w: falling 16 a week, +-4 alternately; one order a day."""
    return 1000.0 - 16 * w + (4.0 if w % 2 == 0 else -4.0)


def b2b_data() -> pd.DataFrame:
    days = pd.date_range("2027-04-05", "2027-07-04")
    return pd.DataFrame([
        {"date": d, "channel": "paid_search", "impressions": 20000, "clicks": CLICKS[(i // 7) % 3],
         "cost": search_cost(i // 7), "orders": 1, "sessions": 400, "leads": LEADS[d.month]}
        for i, d in enumerate(days)])


def ecommerce_plan() -> Plan:
    plan = Plan.load(ECOMMERCE)
    # the example has no ROAS/AOV/revenue objective: add one (deadline already past)
    plan.add_objective("o-roas", kpi="roas", target=4.0, direction="increase",
                       deadline="2027-03-14", scope={"channel": "paid_social"})
    return plan


@pytest.fixture(scope="module")
def ecom():
    data = ecommerce_data()
    text = ecommerce_plan().control(data, as_of="2027-03-31").to_json()
    report = strict_json(text)
    return data, report, {k["objective"]: k for k in report["kpis"]}


@pytest.fixture(scope="module")
def b2b():
    data = b2b_data()
    report = strict_json(Plan.load(B2B).control(data, as_of="2027-07-04").to_json())
    return data, report, {k["objective"]: k for k in report["kpis"]}


def channel(data, name):
    return data[data["channel"] == name]


# ---------------------------------------------------------------- JSON structure

def test_json_report_structure(ecom, b2b):
    for (_, report, rows), as_of, ids in [
            (ecom, "2027-03-31", ["o-reach", "o-act", "o-convert", "o-save", "o-engage",
                                  "o-roas"]),
            (b2b, "2027-07-04", ["o-ctr", "o-cpa", "o-leads"])]:
        assert TOP_KEYS <= set(report)  # readers ignore keys they do not know
        assert report["as_of"] == as_of
        assert report["alpha"] == ALPHA and report["level"] == LEVEL
        assert [k["objective"] for k in report["kpis"]] == ids
        for k in report["kpis"]:
            assert set(KPI_KEYS) <= set(k)
            # no period for an objective the data cannot answer (o-engage: a finding)
            assert (k["period"] is None and k["status"] == "insufficient_data") or \
                DAY.match(k["period"])
            assert DAY.match(k["deadline"])
            assert isinstance(k["periods"], int) and isinstance(k["rule"], str)
            assert k["status"] in {"on_track", "at_risk", "off_track", "insufficient_data"}
        for table in ("alerts", "what_works", "experiments", "scoreboard",
                      "recommendations", "race_funnel"):
            assert isinstance(report[table], list)
        # no variant column: the plans' experiments are findings, not errors
        assert any("the data need the columns 'variant'" in f["message"]
                   for f in report["findings"])
    _, _, rows = ecom
    # refused: no projection, and NaN became null (not NaN, not a string)
    eng = rows["o-engage"]
    assert eng["projected"] is None and eng["projected_low"] is None \
        and eng["projected_high"] is None
    assert rows["o-reach"]["period"] == "2027-03-01"     # month start
    assert rows["o-convert"]["period"] == "2027-03-22"   # ISO week start (Monday)
    assert rows["o-convert"]["deadline"] == "2027-09-30"
    assert rows["o-roas"]["deadline"] == "2027-03-14"


# ------------------------------------------------------------ rate of two counts

def test_rate_conversion_score_test_and_rising_projection(ecom):
    data, _, rows = ecom
    row = rows["o-convert"]
    site = channel(data, "site")
    x, n = int(site["orders"].sum()), int(site["sessions"].sum())
    assert (x, n) == (7 * 220, 84_000)  # 7 x (15+15+16+17+17+18+19+19+20+21+21+22)
    p0 = 0.022
    assert row["kpi"] == "conversion_rate"
    assert row["direction"] == "increase" and row["cadence"] == "weekly"
    close(row["target"], p0)
    close(row["value"], x / n)
    lo, hi = wilson(x, n)
    close(row["low"], lo)
    close(row["high"], hi)
    z = (x / n - p0) / math.sqrt(p0 * (1 - p0) / n)  # -7.2449: no continuity correction
    # not Yates / R's default prop.test: |x - n p0| - 0.5
    z_yates = (x - n * p0 + 0.5) / math.sqrt(n * p0 * (1 - p0))
    assert abs(z - z_yates) > 1e-3
    xs, ys, g = per_period(site, "weekly", "orders", "sessions")
    # the weekly rates rise from 1.5 % to 2.2 %: more spread than the binomial allows
    phi, df = dispersion(g["orders"], g["sessions"], True)
    assert phi > 1 and df == 11
    close(row["dispersion"], phi)
    assert row["df"] == df
    close(row["dispersion_p"], sps.chi2.sf(phi * df, df))
    # H0: rate >= target, lower tail
    test, stat, p = with_dispersion("score", z, sps.norm.cdf(z), z, phi, df, "less")
    assert row["test"] == test == "quasi-binomial"
    close(row["statistic"], stat)
    close(row["p_value"], p)
    assert row["periods"] == 12
    assert ys.tolist() == pytest.approx([o / 1000 for o in CONV_ORDERS], rel=1e-15)
    est, plo, phi_ = check_projection(row, xs, ys, "2027-09-30")
    # short today and credibly so, but the rising line's low end clears 2.2%
    assert x / n < p0 and row["p_value"] < ALPHA and plo >= p0
    assert verdict(x / n, p0, True, row["p_value"], plo, phi_, True, 12) == "on_track"
    assert row["status"] == "on_track"
    assert row["rule"].endswith("-> on_track") and "quasi-binomial t test" in row["rule"]
    assert f"dispersion {phi:.4g} from 12 periods" in row["rule"]


def test_rate_bounce_decrease_meets_target(ecom):
    data, _, rows = ecom
    row = rows["o-act"]
    site = channel(data, "site")
    x, n = int(site["bounces"].sum()), int(site["sessions"].sum())
    assert (x, n) == (31_920, 84_000)  # 7 x 4 x (390+370+380); rate 0.38
    p0 = 0.40
    assert row["direction"] == "decrease"
    close(row["value"], 0.38)
    lo, hi = wilson(x, n)
    close(row["low"], lo)
    close(row["high"], hi)
    z = (x / n - p0) / math.sqrt(p0 * (1 - p0) / n)
    xs, ys, g = per_period(site, "weekly", "bounces", "sessions")
    phi, df = dispersion(g["bounces"], g["sessions"], True)
    # H0: rate <= target, upper tail
    test, stat, p = with_dispersion("score", z, sps.norm.sf(z), z, phi, df, "greater")
    assert row["test"] == test
    close(row["statistic"], stat)
    close(row["p_value"], p)
    est, plo, phi = check_projection(row, xs, ys, "2027-06-30")
    assert phi > p0  # the projection alone would not do: the value to date decides
    assert verdict(x / n, p0, False, row["p_value"], plo, phi, True, 12) == "on_track"
    assert row["status"] == "on_track"


def test_distinct_counts_of_daily_rows_are_a_finding(ecom):
    # the repeat-purchase rate counts distinct customers: a month of daily e-mail rows
    # does not give the month's customers (their sum counts a customer once a day),
    # so the Control stage refuses the roll-up and says which data would answer
    _, report, rows = ecom
    row = rows["o-engage"]
    assert row["status"] == "insufficient_data" and row["test"] == ""
    assert row["value"] is None and row["p_value"] is None
    message = ("repeat_purchase_rate: 'repeat_customers' and 'customers' count distinct "
               "people and does not add across rows, but 28 rows fall in the month starting "
               "2027-02-01; give the event or transaction log with its user column "
               "(kpi_table(..., user='user_id')) to count them exactly, or data with one "
               "row per month")
    assert row["rule"] == message
    assert {"objective": "o-engage", "message": message} in report["findings"]


# -------------------------------------------------------------- cost per count

def test_cost_per_count_exact_poisson_off_track(ecom):
    data, _, rows = ecom
    row = rows["o-save"]
    social = channel(data, "paid_social")
    cost, k = float(social["cost"].sum()), int(social["orders"].sum())
    assert (cost, k) == (50_400.0, 7 * 3 * (20 + 21 + 21 + 20))  # 84 x 600; 1,722
    target = 20.0
    assert row["test"] == "poisson" and row["kpi"] == "cpa"
    close(row["value"], cost / k)  # 29.27
    k_lo, k_hi = garwood(k)
    close(row["low"], cost / k_hi)
    close(row["high"], cost / k_lo)
    # at the target the count is Poisson(cost / target) = Poisson(2,520); a CPA above
    # its ceiling is too few orders: the lower tail
    xs, ys, g = per_period(social, "weekly", "cost", "orders")
    # the weekly orders over the weekly cost vary less than the Poisson allows: the
    # plain exact test (the dispersion is that of the counts, not of the CPA)
    phi, df = dispersion(g["orders"], g["cost"], False)
    close(row["dispersion"], phi)
    assert phi <= 1 and row["test"] == "poisson" and "the plain test" in row["rule"]
    assert row["statistic"] == k
    close(row["p_value"], sps.poisson.cdf(k, cost / target))
    est, plo, phi = check_projection(row, xs, ys, "2027-11-30")
    assert row["p_value"] < ALPHA and plo > target  # even the best case misses 20
    assert verdict(cost / k, target, False, row["p_value"], plo, phi, True, 12) == "off_track"
    assert row["status"] == "off_track"


def test_cost_per_count_after_deadline_the_test_alone_decides(b2b):
    data, _, rows = b2b
    row = rows["o-cpa"]
    # as of 2027-07-04, after the deadline 2027-06-30: judged on the data up to it
    cut = data[data["date"] <= "2027-06-30"]
    cost, k = float(cut["cost"].sum()), int(cut["orders"].sum())
    # 7 x sum(1000 - 16w, w = 0..11) + 7 x 4 x (6 even weeks - 6 odd ones) + 3 x 812
    assert (cost, k) == (7 * (12 * 1000 - 16 * 66) + 3 * 812.0, 87) == (79_044.0, 87)
    target = 840.0
    close(row["value"], cost / k)  # 908.6
    k_lo, k_hi = garwood(k)
    close(row["low"], cost / k_hi)
    close(row["high"], cost / k_lo)
    xs, ys, g = per_period(cut, "weekly", "cost", "orders")
    phi, df = dispersion(g["orders"], g["cost"], False)
    close(row["dispersion"], phi)
    assert phi <= 1 and row["test"] == "poisson" and row["df"] == df == 12
    assert row["statistic"] == k
    p = sps.poisson.cdf(k, cost / target)  # not credibly above 840
    close(row["p_value"], p)
    assert p >= ALPHA
    est, plo, phi = check_projection(row, xs, ys, "2027-06-30")
    # before the deadline the falling line (its high end below 840) would make it
    # on_track; the deadline has passed and the test alone decides
    assert phi <= target
    assert verdict(cost / k, target, False, p, plo, phi, True, 13) == "on_track"
    assert verdict(cost / k, target, False, p, plo, phi, False, 13) == "at_risk"
    assert row["status"] == "at_risk"
    assert "of the value at the deadline" in row["rule"]


def test_at_the_deadline_counts_as_after_it():
    data = b2b_data()
    cut = data[data["date"] <= "2027-06-30"]
    row = {k["objective"]: k for k in strict_json(
        Plan.load(B2B).control(data, as_of="2027-06-30").to_json())["kpis"]}["o-cpa"]
    cost, k = float(cut["cost"].sum()), int(cut["orders"].sum())
    assert k == 87  # up to Wednesday of week 13
    close(row["value"], cost / k)
    close(row["p_value"], sps.poisson.cdf(k, cost / 840))
    assert row["p_value"] >= ALPHA
    xs, ys, _ = per_period(cut, "weekly", "cost", "orders")
    est, plo, phi = check_projection(row, xs, ys, "2027-06-30")
    assert phi <= 840  # "before" would give on_track
    assert verdict(cost / k, 840, False, row["p_value"], plo, phi, False, 13) == "at_risk"
    assert row["status"] == "at_risk"


# ------------------------------------------------------------ count per period

def test_count_per_period_exact_poisson_at_risk(ecom):
    data, _, rows = ecom
    row = rows["o-reach"]
    seo = channel(data, "seo")
    total = int(seo["sessions"].sum())
    assert total == 31 * 7400 + 28 * 8230 + 31 * 7420 == 689_860
    periods, target = 3, 230_000.0
    assert row["cadence"] == "monthly"
    assert row["periods"] == periods
    close(row["value"], total / periods)  # 229,953 a month: just short of 230,000
    k_lo, k_hi = garwood(total)
    close(row["low"], k_lo / periods)
    close(row["high"], k_hi / periods)
    xs, ys, g = per_period(seo, "monthly", "sessions", None)
    # a count's exposure is the days of each period covered: whole months of 31, 28
    # and 31 days (7,400, 8,230 and 7,420 a day: more spread than the Poisson allows)
    phi, df = dispersion(g["sessions"], [31, 28, 31], False)
    assert phi > 1
    close(row["dispersion"], phi)
    mu = periods * target
    test, stat, p = with_dispersion("poisson", total, sps.poisson.cdf(total, mu),
                                    (total - mu) / math.sqrt(mu), phi, df, "less")
    assert row["test"] == test
    close(row["statistic"], stat)
    close(row["p_value"], p)  # ~0.43
    assert xs.tolist() == [days_since_epoch(d) for d in ("2027-01-01", "2027-02-01",
                                                         "2027-03-01")]
    assert ys.tolist() == [229_400, 230_440, 230_020]
    est, plo, phi = check_projection(row, xs, ys, "2027-09-30")
    assert p >= ALPHA and plo < target
    assert verdict(total / periods, target, True, p, plo, phi, True, 3) == "at_risk"
    assert row["status"] == "at_risk"
    assert "per period" in row["rule"]


# ------------------------------------------------------- other ratio (delta method)

def test_ratio_roas_z_test_after_the_deadline(ecom):
    data, _, rows = ecom
    row = rows["o-roas"]
    social = channel(data, "paid_social")
    social = social[social["date"] <= "2027-03-14"]  # the deadline: 10 weeks
    rev = social["revenue"].to_numpy(float)
    cost = social["cost"].to_numpy(float)
    assert (rev.sum(), cost.sum()) == (7 * 5 * (2100 + 2400), 42_000)  # ROAS 3.75
    r = rev.sum() / cost.sum()
    # delta method, days as units: var(R) = sum (y - R x)^2 / (n (n - 1) xbar^2)
    n = len(rev)
    se = math.sqrt(((rev - r * cost) ** 2).sum() / (n * (n - 1) * cost.mean() ** 2))
    assert row["test"] == "z" and row["kpi"] == "roas"
    close(row["value"], r)
    close(row["low"], r - Z * se)
    close(row["high"], r + Z * se)
    # the documented se: the interval's half-width over the z quantile
    se_doc = (row["high"] - row["low"]) / (2 * Z)
    close(se_doc, se)
    z = (r - 4.0) / se_doc
    close(row["statistic"], z)
    close(row["p_value"], sps.norm.cdf(z))
    xs, ys, _ = per_period(social, "weekly", "revenue", "cost")
    assert ys.tolist() == pytest.approx([3.5, 4.0] * 5, rel=1e-15)
    est, plo, phi = check_projection(row, xs, ys, "2027-03-14")
    # the weeks swing between 3.5 and 4, so the line's high end reaches 4: before the
    # deadline this would be at_risk; after it, p < alpha is off_track
    assert phi >= 4.0 and row["p_value"] < ALPHA
    assert verdict(r, 4.0, True, row["p_value"], plo, phi, True, 10) == "at_risk"
    assert verdict(r, 4.0, True, row["p_value"], plo, phi, False, 10) == "off_track"
    assert row["status"] == "off_track"


# ---------------------------------------------------------------- the B2B rates

def test_b2b_ctr_on_track_after_deadline_and_leads_at_risk(b2b):
    data, _, rows = b2b
    ctr = rows["o-ctr"]
    cut = data[data["date"] <= "2027-06-30"]  # its deadline
    x, n = int(cut["clicks"].sum()), int(cut["impressions"].sum())
    assert (x, n) == (7 * (4 * 320 + 4 * 330 + 4 * 340) + 3 * 320, 87 * 20_000)
    close(ctr["value"], x / n)
    z = (x / n - 0.015) / math.sqrt(0.015 * 0.985 / n)
    xs, ys, g = per_period(cut, "weekly", "clicks", "impressions")
    phi, df = dispersion(g["clicks"], g["impressions"], True)
    test, stat, p = with_dispersion("score", z, sps.norm.cdf(z), z, phi, df, "less")
    assert ctr["test"] == test
    close(ctr["statistic"], stat)
    close(ctr["p_value"], p)
    check_projection(ctr, xs, ys, "2027-06-30")
    assert x / n >= 0.015 and ctr["status"] == "on_track"

    leads = rows["o-leads"]
    x, n = int(data["leads"].sum()), int(data["sessions"].sum())
    assert (x, n) == (26 * 8 + 31 * 9 + 30 * 8 + 4 * 9, 91 * 400)  # (763, 36,400)
    p0 = 0.026
    lo, hi = wilson(x, n)
    close(leads["value"], x / n)
    close(leads["low"], lo)
    close(leads["high"], hi)
    z = (x / n - p0) / math.sqrt(p0 * (1 - p0) / n)
    xs, ys, g = per_period(data, "monthly", "leads", "sessions")
    phi, df = dispersion(g["leads"], g["sessions"], True)
    test, stat, p = with_dispersion("score", z, sps.norm.cdf(z), z, phi, df, "less")
    assert leads["test"] == test
    close(leads["statistic"], stat)
    close(leads["p_value"], p)
    assert leads["periods"] == 4 and leads["period"] == "2027-07-01"  # July: 4 days
    assert ys.tolist() == pytest.approx([0.02, 0.0225, 0.02, 0.0225], rel=1e-15)
    est, plo, phi = check_projection(leads, xs, ys, "2027-09-30")
    # credibly short today, but four monthly points leave room: the high end holds 2.6%
    assert leads["p_value"] < ALPHA and phi >= p0 and plo < p0
    assert verdict(x / n, p0, True, leads["p_value"], plo, phi, True, 4) == "at_risk"
    assert leads["status"] == "at_risk"


def test_fewer_than_three_periods_only_matter_before_the_deadline():
    data = b2b_data()
    late = data[data["date"] >= "2027-06-21"]  # two ISO weeks, after the CTR/CPA deadline
    rows = {k["objective"]: k for k in strict_json(
        Plan.load(B2B).control(late).to_json())["kpis"]}
    ctr, cpa, leads = rows["o-ctr"], rows["o-cpa"], rows["o-leads"]
    assert ctr["periods"] == 2 and ctr["projected"] is None
    late = late[late["date"] <= "2027-06-30"]  # judged at the deadline: 10 days
    x, n = int(late["clicks"].sum()), int(late["impressions"].sum())
    close(ctr["value"], x / n)
    close(ctr["p_value"], sps.norm.cdf((x / n - 0.015) / math.sqrt(0.015 * 0.985 / n)))
    assert x / n >= 0.015 and ctr["status"] == "on_track"
    cost, k = float(late["cost"].sum()), int(late["orders"].sum())
    close(cpa["p_value"], sps.poisson.cdf(k, cost / 840))
    assert (cost, k) == (7 * 820 + 3 * 812.0, 10)  # 820 and 812 a day
    assert cost / k <= 840 and cpa["status"] == "on_track"  # meets it: no projection needed
    # the lead rate's deadline is in September: two months are too few
    assert leads["periods"] == 2 and leads["status"] == "insufficient_data"


# ------------------------------------------------- data without a KPI, and a defect

def test_missing_period_is_null_in_json():
    # no paid_search rows: every objective without data; its period (NaT) and its
    # numbers (NaN) are null, its deadline still a date (HEAD 9831aef wrote "NaT")
    data = b2b_data().assign(channel="retargeting")
    report = strict_json(Plan.load(B2B).control(data).to_json())
    for k in report["kpis"]:
        assert k["period"] is None and k["value"] is None and k["p_value"] is None
        assert k["status"] == "insufficient_data" and DAY.match(k["deadline"])
        assert k["periods"] == 0
    assert {f["objective"] for f in report["findings"]} >= {"o-ctr", "o-cpa", "o-leads"}


def test_spend_without_orders_is_insufficient_data_not_an_error():
    data = b2b_data().assign(orders=0)
    report = strict_json(Plan.load(B2B).control(data).to_json())
    row = {k["objective"]: k for k in report["kpis"]}["o-cpa"]
    assert row["status"] == "insufficient_data" and row["p_value"] is None
    assert row["rule"] == "no orders up to 2027-06-30: the KPI is not defined yet " \
        "-> insufficient_data"
    assert {"objective": "o-cpa", "message": "no orders up to 2027-06-30: the KPI is not "
            "defined yet"} in report["findings"]


def test_a_partly_covered_month_counts_for_its_share():
    # 8,300 visits a day, above 230,000 a month; the data end on 10 March: that
    # month counts as 10/31 of one (not as a whole month, which would drag the value
    # to 190,900 and the projection below zero)
    days = pd.date_range("2027-01-01", "2027-03-10")
    data = pd.DataFrame({"date": days, "channel": "seo", "sessions": 8300})
    row = {k["objective"]: k for k in strict_json(
        Plan.load(ECOMMERCE).control(data).to_json())["kpis"]}["o-reach"]
    total, exposure = 8300 * 69, 1 + 1 + 10 / 31
    close(row["value"], total / exposure)  # 246,590 a month
    k_lo, k_hi = garwood(total)
    close(row["low"], k_lo / exposure)
    close(row["high"], k_hi / exposure)
    close(row["p_value"], sps.poisson.cdf(total, exposure * 230_000))
    # per-period values as whole months: January, February, and March scaled by 31/10
    xs = [days_since_epoch(d) for d in ("2027-01-01", "2027-02-01", "2027-03-01")]
    ys = [8300 * 31, 8300 * 28, 8300 * 10 * 31 / 10]
    check_projection(row, xs, ys, "2027-09-30")
    assert row["status"] == "on_track"  # the value to date meets the target
    # the same when the data start mid-month: January counts for 22/31
    late = data[data["date"] >= "2027-01-10"]
    row = {k["objective"]: k for k in strict_json(
        Plan.load(ECOMMERCE).control(late).to_json())["kpis"]}["o-reach"]
    close(row["value"], 8300 * 60 / (22 / 31 + 1 + 10 / 31))
