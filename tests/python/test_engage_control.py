"""The Control stage's customer objectives counted from an order log (issue 14):
repeat-purchase and churn rates by the rules of docs/customer.md ("Engage in the
Control stage"), checked against an independent count with pandas, and the order
log's bad input."""

from __future__ import annotations

import importlib.resources as resources
import io

import pandas as pd
import pytest

from sostac import InputError, Plan, cli
from sostac.control import evaluate

DATA = resources.files("sostac") / "data"


@pytest.fixture(scope="module")
def plan():
    return Plan.load(DATA / "demo_plan.yaml")


@pytest.fixture(scope="module")
def daily():
    return pd.read_csv(DATA / "demo_daily.csv", parse_dates=["date"])


@pytest.fixture(scope="module")
def log():
    return pd.read_csv(DATA / "demo_transactions.csv.gz", parse_dates=["timestamp"])


@pytest.fixture(scope="module")
def result(plan, daily, log):
    return plan.control(daily, transactions=log)


def _repeat_by_hand(log, channel, start, end, freq):
    """Among the customers with an order through `channel` in each period from `start`,
    those with such an order on a day after their first purchase day (any channel)."""
    day = log["timestamp"].dt.normalize()
    first = day.groupby(log["customer_id"]).transform("min")
    keep = (log["channel"] == channel) & (day >= start) & (day <= end)
    x = pd.DataFrame({"who": log["customer_id"], "day": day, "again": day > first})[keep]
    x["period"] = x["day"].dt.to_period(freq).dt.start_time
    per = x.groupby("period").agg(customers=("who", "nunique"))
    per["repeat"] = x[x["again"]].groupby("period")["who"].nunique()
    whole = (x["who"].nunique(), x.loc[x["again"], "who"].nunique())
    return per.fillna(0), whole


def test_repeat_purchase_rate_is_counted_from_the_log(result, log):
    row = result.kpis.set_index("objective").loc["o-engage"]
    per, (customers, repeat) = _repeat_by_hand(log, "email", pd.Timestamp("2027-01-01"),
                                               pd.Timestamp("2027-06-30"), "M")
    assert row["value"] == pytest.approx(repeat / customers, rel=1e-12)
    assert row["low"] < row["value"] < row["high"]
    # above 30 % to date and rising month on month as the customer base grows
    assert row["status"] == "on_track" and row["periods"] == 6
    assert row["target"] < row["value"] < row["projected_low"]
    series = result.series[result.series["objective"] == "o-engage"]
    assert list(series["period"]) == list(per.index)
    assert series["numerator"].tolist() == per["repeat"].tolist()
    assert series["denominator"].tolist() == per["customers"].tolist()
    # no refusal: the distinct counts come from the orders, not from daily sums
    assert not [f for f in result.findings if f["objective"] == "o-engage"]


def test_the_log_agrees_with_the_daily_repeat_customers(daily, log):
    # the daily export's repeat customers are the log's, day by day (same rule)
    d = daily[daily["channel"] == "email"].groupby("date")[["customers",
                                                            "repeat_customers"]].sum()
    for day in d.index[::17]:
        per, whole = _repeat_by_hand(log, "email", day, day, "D")
        assert whole == (d.loc[day, "customers"], d.loc[day, "repeat_customers"]), day


def test_without_the_log_the_objective_is_refused(plan, daily):
    r = plan.control(daily)
    assert r.kpis.set_index("objective").loc["o-engage", "status"] == "insufficient_data"


def _churn_plan(scope=None, cadence="monthly"):
    doc = {"plan": {"id": "p", "name": "churn", "horizon": {"start": "2027-01-01",
                                                            "end": "2027-12-31"}},
           "objectives": [{"id": "o-churn", "statement": "Keep customers.",
                           "kpi": "churn_rate", "baseline": 0.6, "target": 0.5,
                           "direction": "decrease", "deadline": "2027-12-31",
                           **({"scope": {"channel": scope}} if scope else {})}],
           "control": {"targets": [{"objective": "o-churn", "cadence": cadence}]}}
    return Plan.from_dict(doc)


def test_churn_rate_by_hand():
    # January: a, b, c buy; February: a and d; March: d and a; April (to 04-10): nobody
    log = pd.DataFrame({
        "customer_id": ["a", "b", "c", "a", "d", "d", "a", "x"],
        "timestamp": ["2027-01-03", "2027-01-09", "2027-01-20", "2027-02-02", "2027-02-14",
                      "2027-03-01", "2027-03-30", "2026-12-30"],
        "channel": ["email"] * 8})
    daily = pd.DataFrame({"date": pd.date_range("2027-01-01", "2027-04-10"), "sessions": 1})
    r = evaluate(_churn_plan(), daily, transactions=log)
    row = r.kpis.iloc[0]
    s = r.series
    # February: of a, b, c (January) only a bought -> 2 of 3 churned; March: of a, d
    # both bought -> 0 of 2; April is not over on 2027-04-10: left out
    assert s["period"].dt.strftime("%Y-%m").tolist() == ["2027-02", "2027-03"]
    assert s["numerator"].tolist() == [2, 0] and s["denominator"].tolist() == [3, 2]
    assert row["value"] == pytest.approx(2 / 5)
    # December 2026 precedes the horizon: x is history only (bought before), no base
    assert row["periods"] == 2


def test_churn_needs_a_whole_period_after_one_with_orders():
    log = pd.DataFrame({"customer_id": ["a"], "timestamp": ["2027-01-03"]})
    daily = pd.DataFrame({"date": pd.date_range("2027-01-01", "2027-01-20"), "sessions": 1})
    r = evaluate(_churn_plan(), daily, transactions=log)
    assert r.kpis.iloc[0]["status"] == "insufficient_data"
    (msg,) = [f["message"] for f in r.findings if f["objective"] == "o-churn"]
    assert msg.startswith("churn needs a whole period after one with orders")
    # without an amount the customer analysis says what it needs
    assert any(f["message"].startswith("engage: the transaction log has no amount column")
               for f in r.findings)


def test_order_log_bad_input(plan, daily, log):
    with pytest.raises(InputError, match="transactions: expected a customer column "
                                         "'customer_id'"):
        plan.control(daily, transactions=log.rename(columns={"customer_id": "cust"}))
    with pytest.raises(InputError, match="transaction_time column 'timestamp'"):
        plan.control(daily, transactions=log.drop(columns="timestamp"))
    bad = log.head(2000).copy()
    bad.loc[3, "customer_id"] = None
    bad.loc[5, "amount"] = -12.5
    bad.loc[7, "timestamp"] = pd.NaT
    r = plan.control(daily, transactions=bad)
    messages = [f["message"] for f in r.findings if f["message"].startswith("transactions")]
    assert any("customer_id: 1 order(s) without a customer, left out" in m for m in messages)
    assert any("amount: 1 negative amount(s) (refunds), left out" in m for m in messages)
    assert any("timestamp" in m and "row 7" in m for m in messages)
    # a scope channel the log cannot show
    r = plan.control(daily, transactions=log.drop(columns="channel"))
    msg = r.kpis.set_index("objective").loc["o-engage", "rule"]
    assert msg == "the transaction log has no 'channel' column for the scope channel 'email'"


def test_custom_column_names(plan, daily, log):
    renamed = log.rename(columns={"customer_id": "cust", "timestamp": "at",
                                  "amount": "paid"})
    a = plan.control(daily, transactions=log).kpis.set_index("objective")
    b = plan.control(daily, transactions=renamed, customer="cust", transaction_time="at",
                     amount="paid").kpis.set_index("objective")
    assert a.loc["o-engage", "value"] == b.loc["o-engage", "value"]


def test_cli_control_reads_the_log(tmp_path):
    out = io.StringIO()
    with resources.as_file(DATA / "demo_plan.yaml") as p, \
            resources.as_file(DATA / "demo_daily.csv") as d, \
            resources.as_file(DATA / "demo_transactions.csv.gz") as t:
        code = cli.control(str(p), str(d), transactions=str(t), out=out)
    assert code == 0
    line = next(ln for ln in out.getvalue().splitlines() if "o-engage" in ln)
    assert "on track" in line or "on_track" in line


def test_cli_usage_errors(tmp_path, capsys):
    with resources.as_file(DATA / "demo_plan.yaml") as p:
        assert cli.main(["report", str(p), "--transactions", "x.csv", "--no-progress"]) == 2
        assert "--transactions needs --data" in capsys.readouterr().err
        with resources.as_file(DATA / "demo_daily.csv") as d:
            code = cli.main(["control", str(p), "--data", str(d), "--transactions",
                             str(tmp_path / "missing.csv"), "--no-progress"])
    assert code == 2
    assert "missing.csv" in capsys.readouterr().err


def _clv_plan(plan):
    doc = plan.to_dict()
    doc["objectives"].append({
        "id": "o-clv", "statement": "Raise e-mail customers' 12-month value to 50.",
        "kpi": "clv", "baseline": 40, "target": 50, "direction": "increase",
        "deadline": "2027-12-31", "scope": {"channel": "email"}})
    doc["control"]["targets"].append({"objective": "o-clv", "cadence": "monthly"})
    return Plan.from_dict(doc)


def test_clv_objective_is_the_models_mean_clv(plan, daily, log):
    from sostac import customer as cu

    r = _clv_plan(plan).control(daily, transactions=log)
    row = r.kpis.set_index("objective").loc["o-clv"]
    # by hand: both models on the orders to date, the CLV of e-mail-acquired customers
    s = cu.summary(log, value="amount", end="2027-06-30")
    s = s[s["T"] > 0]
    bg = cu.BetaGeo().fit(s)
    gg = cu.GammaGamma().fit(s.loc[s["frequency"] > 0, "frequency"],
                             s.loc[s["frequency"] > 0, "monetary"])
    first = log.sort_values("timestamp", kind="stable").drop_duplicates("customer_id")
    email = s[s.index.isin(first.loc[first["channel"] == "email", "customer_id"])]
    clv = gg.clv(bg, email, horizon=12, discount_rate=0.01, period="W", interval=True)
    assert row["value"] == pytest.approx(clv["estimate"].mean(), rel=1e-9)
    assert row["low"] == pytest.approx(clv["low"].mean(), rel=1e-9)
    assert row["high"] == pytest.approx(clv["high"].mean(), rel=1e-9)
    # z test against 50 with the interval's standard error; a trend over the months
    assert row["test"] == "z" and row["p_value"] < 1e-6 and row["status"] == "at_risk"
    series = r.series[r.series["objective"] == "o-clv"]
    assert series["period"].dt.strftime("%Y-%m").tolist() == ["2027-03", "2027-04",
                                                            "2027-05", "2027-06"]
    assert series["value"].iloc[-1] == pytest.approx(row["value"], rel=1e-9)
    # January and February: the drop-out is not identified yet; said, not hidden
    (msg,) = [f["message"] for f in r.findings if f["objective"] == "o-clv"]
    assert msg.startswith("2 period(s) without a lifetime value: the BG/NBD or "
                          "Gamma-Gamma fit up to 2027-01-31 did not converge")


def test_clv_objective_needs_amounts(plan, daily, log):
    r = _clv_plan(plan).control(daily, transactions=log.drop(columns="amount"))
    row = r.kpis.set_index("objective").loc["o-clv"]
    assert row["status"] == "insufficient_data"
    assert row["rule"] == "lifetime value needs the order log's amounts (--amount)"
