"""Command line (or ``python -m sostac ...``):

- ``sostac demo``: the report on the demo plan and data shipped in the package;
- ``sostac report PLAN --data DATA -o report.html``: the report (HTML, JSON or
  Markdown) on a plan and its data;
- ``sostac validate PLAN``, ``sostac schedule PLAN``, ``sostac control PLAN --data
  DATA``;
- ``sostac ab [CSV]``: an A/B analysis of a daily aggregate.

Exit codes: 0 when fine, 1 when the plan has findings of severity error, 2 on bad
usage (a file that cannot be read, a wrong option). Steps that last longer than a
second draw a progress bar on standard error when it is a terminal.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import resources
from typing import Optional, Sequence

import numpy as np

from . import __version__, stats
from ._optional import MissingExtraError
from ._progress import Progress

SAMPLE = "ab_test.csv"
DEMO_PLAN = "demo_plan.yaml"
DEMO_DATA = "demo_daily.csv"
DEMO_LOG = "demo_transactions.csv.gz"
DEMO_TOUCHES = "demo_touchpoints.csv.gz"


def _read_ab(path: Optional[str]):
    """Per-variant totals of a daily CSV with columns date, variant, visitors,
    conversions, read by the input layer (separator and decimal mark sniffed); bad
    input raises _Usage (exit 2) naming the file, the column and the line."""
    from .io import numbers, read_table

    if path is None:
        with resources.as_file(resources.files("sostac").joinpath("data", SAMPLE)) as p:
            df = read_table(p)
        source = f"sample data shipped in the package (sostac/data/{SAMPLE})"
    else:
        try:
            df = read_table(path)
        except ValueError as exc:
            raise _Usage(str(exc)) from None
        source = path
    df = df.dropna(how="all")  # blank lines (the index keeps each row's file line)
    need = {"date", "variant", "visitors", "conversions"}
    if not len(df) or not need <= set(df.columns):
        raise _Usage(f"{source}: expected CSV columns {sorted(need)}, found "
                     f"{[str(c) for c in df.columns]}")
    totals: dict = {}
    for c in ("visitors", "conversions"):
        try:
            v = numbers(df[c], c).astype(float)
        except ValueError as exc:
            raise _Usage(f"{source}: {exc}") from None
        bad = ~((v >= 0) & (v == np.floor(v)))  # NaN too
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _Usage(f"{source}: {c}: line {df.index[i] + 2}: expected a whole count, got "
                         f"{v[i]:.10g}")
        sums = df.assign(**{c: v}).groupby(df["variant"].astype(str), sort=False)[c].sum()
        for variant, total in sums.items():
            totals.setdefault(variant, [0, 0])[0 if c == "visitors" else 1] = int(total)
    return source, totals, int(df["date"].nunique())


def ab(path: Optional[str] = None, out=sys.stdout) -> int:
    """A/B analysis of a daily aggregate: sample-ratio check, frequentist and
    Bayesian comparison, and the minimum detectable effect of the design."""
    source, totals, n_days = _read_ab(path)
    arms = sorted(totals)
    if len(arms) != 2:
        raise _Usage(f"{source}: the demo compares exactly 2 variants, found {arms}")
    a, b = arms
    (n_a, x_a), (n_b, x_b) = totals[a], totals[b]
    def line(s=""):
        print(s, file=out)

    line(f"sostac {__version__}: A/B analysis of {source}")
    line(f"{n_days} days, control = {a}, variant = {b}\n")
    line(f"  {'arm':<8}{'visitors':>10}{'conversions':>13}{'rate':>9}")
    for arm, (n, x) in ((a, totals[a]), (b, totals[b])):
        line(f"  {arm:<8}{n:>10,}{x:>13,}{100 * x / n:>8.3f}%")

    srm = stats.srm_test([n_a, n_b], [0.5, 0.5])
    verdict = "OK" if srm.pvalue >= 0.001 else "MISMATCH: fix assignment before reading results"
    line(f"\nSample-ratio check (planned 50/50): chi2 = {srm.statistic:.3f}, "
         f"p = {srm.pvalue:.3g} -> {verdict}")

    z = stats.two_proportion_test(x_a, n_a, x_b, n_b)
    fisher = stats.two_proportion_test(x_a, n_a, x_b, n_b, method="fisher")
    dci = stats.diff_ci(x_a, n_a, x_b, n_b)
    lci = stats.lift_ci(x_a, n_a, x_b, n_b)
    bayes = stats.beta_binomial(x_a, n_a, x_b, n_b)
    line(f"\nConversion, {b} against {a}")
    line(f"  difference   {100 * z.diff:+.3f} pp   95% CI [{100 * dci.low:+.3f}, "
         f"{100 * dci.high:+.3f}] (Newcombe)")
    line(f"  lift         {100 * z.lift:+.2f} %    95% CI [{100 * lci.low:+.2f}, "
         f"{100 * lci.high:+.2f}] (delta method)")
    line(f"  z test       z = {z.statistic:.3f}, p-value = {z.pvalue:.4g}")
    line(f"  Fisher exact p-value = {fisher.pvalue:.4g}")
    line(f"  Bayesian     P({b} > {a}) = {bayes.prob_b_better:.6g}, expected loss of "
         f"shipping {b} = {100 * bayes.expected_loss_b:.3g} pp (uniform prior)")

    n_arm = min(n_a, n_b)
    mde = stats.mde_proportions(x_a / n_a, n_arm)
    line(f"\nDesign: with {n_arm:,} visitors per arm the minimum detectable effect at "
         f"80% power, alpha 0.05, is {100 * mde:.3f} pp ({100 * mde / (x_a / n_a):.1f}% "
         "relative)")
    # The verdict reads the 95% interval for the difference, so it says what it shows.
    if dci.low > 0:
        call = f"ship {b}: the 95% interval for the difference lies above zero"
    elif dci.high < 0:
        call = f"keep {a}: the 95% interval for the difference lies below zero"
    else:
        call = "no decision: the interval contains zero; keep running or accept no effect"
    line(f"\nVerdict: {call}.")
    return 0


def _load_plan(path: str):
    from .plan import Plan

    try:
        return Plan.load(path)
    except (OSError, ValueError) as exc:
        raise _Usage(f"{path}: {exc}") from None


def _iso_day(text: str) -> str:
    """--as-of: a calendar day written YYYY-MM-DD, nothing else (04/05/2027 is
    ambiguous: 4 May or 5 April)."""
    import datetime
    import re

    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            datetime.date.fromisoformat(text)
            return text
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"expected a day as YYYY-MM-DD, got {text!r}")


def _one_char(text: str) -> str:
    """An argparse type: one character, ``tab`` or ``\\t`` for a tab."""
    text = {"tab": "\t", "\\t": "\t"}.get(text, text)
    if len(text) != 1:
        raise argparse.ArgumentTypeError(f"expected one character (or 'tab'), got {text!r}")
    return text


class _Usage(Exception):
    """Bad usage: reported on stderr with exit code 2."""


def _read_data(path: str, time: str, progress: Optional[Progress] = None, *,
               sep: Optional[str] = None, decimal: Optional[str] = None):
    """A daily aggregate or row-level log from CSV or Parquet (report.read_data, by
    the input layer: separator and decimal mark sniffed unless given)."""
    from .report import read_data

    progress = progress or Progress(enabled=False)
    with progress.step(f"reading {os.path.basename(path)}"):
        try:
            return read_data(path, time, sep=sep, decimal=decimal)
        except (OSError, ValueError) as exc:
            raise _Usage(str(exc) if str(path) in str(exc) else f"{path}: {exc}") from None


def _log_columns(args) -> dict:
    return {k: getattr(args, k) for k in LOG_COLUMNS}


def _touch_options(args) -> dict:
    return {k: getattr(args, k) for k in TOUCH_OPTIONS}


def validate(path: str, out=None) -> int:
    """Print a plan's findings; 1 when any is an error."""
    out = out or sys.stdout
    plan = _load_plan(path)
    findings = plan.validate()
    for f in findings:
        print(str(f), file=out)
    errors = sum(f.severity == "error" for f in findings)
    print(f"{path}: {len(findings)} finding(s), {errors} error(s)", file=out)
    return 1 if errors else 0


def schedule(path: str, out=None) -> int:
    """Print a plan's tactics and actions with their CPM slack and the critical path;
    1 when the plan has errors (a cycle, missing dates: reported, no schedule)."""
    out = out or sys.stdout
    plan = _load_plan(path)
    errors = [f for f in plan.validate() if f.severity == "error"]
    try:
        frame = plan.schedule()
    except ValueError as exc:
        print(f"{path}: no schedule: {exc}", file=out)
        for f in errors:
            print(str(f), file=out)
        return 1
    frame = frame.assign(start=frame["start"].dt.date, end=frame["end"].dt.date)
    print(frame.to_string(index=False), file=out)
    print(f"critical path: {' -> '.join(plan.critical_path()) or '(none)'}", file=out)
    chains = plan.critical_chains()
    if len(chains) > 1:
        print(f"critical chains ({len(chains)}, every zero-slack tactic): "
              + "; ".join(" -> ".join(c) for c in chains), file=out)
    for f in errors:
        print(str(f), file=out)
    return 1 if errors else 0


def control(path: str, data: str, *, as_of: Optional[str] = None, fmt: str = "md",
            time: str = "date", progress: Optional[Progress] = None, out=None,
            sep: Optional[str] = None, decimal: Optional[str] = None,
            time_unit: Optional[str] = None, transactions: Optional[str] = None,
            log_columns: Optional[dict] = None, touchpoints: Optional[str] = None,
            touch_options: Optional[dict] = None) -> int:
    """Each objective's KPI against its target (Plan.control), as Markdown or JSON;
    1 when the plan itself has errors."""
    out = out or sys.stdout
    progress = progress or Progress()
    plan = _load_plan(path)
    df = _read_data(data, time, progress, sep=sep, decimal=decimal)
    log, cols = _read_log(transactions, log_columns, progress, sep=sep, decimal=decimal)
    touches, topts = _read_touches(touchpoints, touch_options, progress, sep=sep,
                                   decimal=decimal)
    with progress.step("control stage"):
        try:
            result = plan.control(df, as_of=as_of, time=time, time_unit=time_unit,
                                  transactions=log, **cols, touchpoints=touches, **topts)
        except ValueError as exc:
            raise _Usage(str(exc)) from None
    if fmt == "json":
        print(result.to_json(indent=2), file=out)
    else:
        print(result.to_markdown(), file=out, end="")
    return _errors(plan.validate())


#: The order log's columns (``--customer``, ``--transaction-time``, ``--amount``).
LOG_COLUMNS = {"customer": "customer_id", "transaction_time": "timestamp",
               "amount": "amount"}


def _read_log(path: Optional[str], columns: Optional[dict], progress: Progress, *,
              sep: Optional[str] = None, decimal: Optional[str] = None):
    """The order log (``--transactions``) and its column names, or (None, {})."""
    cols = {**LOG_COLUMNS, **(columns or {})}
    if path is None:
        return None, {}
    return _read_data(path, cols["transaction_time"], progress, sep=sep,
                      decimal=decimal), cols


#: The touchpoint log's columns and the attribution settings (``--user``,
#: ``--touch-time``, ``--conversion``, ``--conversion-value``, ``--attribution``,
#: ``--lookback``).
TOUCH_OPTIONS = {"user": "user_id", "touch_time": "timestamp", "conversion": "conversion",
                 "conversion_value": "value", "attribution": "markov", "lookback": "30D"}


def _read_touches(path: Optional[str], options: Optional[dict], progress: Progress, *,
                  sep: Optional[str] = None, decimal: Optional[str] = None):
    """The touchpoint log or path table (``--touchpoints``) and the attribution
    settings, or (None, {})."""
    opts = {**TOUCH_OPTIONS, **(options or {})}
    if path is None:
        return None, {}
    from .io import read_table

    with progress.step(f"reading {os.path.basename(path)}"):
        try:
            frame = read_table(path, sep=sep, decimal=decimal)
        except (OSError, ValueError) as exc:
            raise _Usage(f"{path}: {exc}") from None
    return frame, opts


def _build(plan, df, *, as_of, time, progress: Progress, time_unit: Optional[str] = None,
           transactions=None, log_columns: Optional[dict] = None, touchpoints=None,
           touch_options: Optional[dict] = None):
    from .report import build_report

    with progress.step("control stage") as step:
        try:
            return build_report(plan, df, as_of=as_of, time=time,
                                progress=lambda _, f: step.update(f), time_unit=time_unit,
                                transactions=transactions, **(log_columns or {}),
                                touchpoints=touchpoints, **(touch_options or {}))
        except ValueError as exc:
            raise _Usage(str(exc)) from None


def _errors(findings) -> int:
    """Print the findings of severity error on standard error; 1 when there are any."""
    errors = [f for f in findings if f.severity == "error"]
    for f in errors:
        print(str(f), file=sys.stderr)
    return 1 if errors else 0


def report(path: str, data: Optional[str] = None, *, output: Optional[str] = None,
           fmt: str = "html", as_of: Optional[str] = None, time: str = "date",
           progress: Optional[Progress] = None, out=None, sep: Optional[str] = None,
           decimal: Optional[str] = None, time_unit: Optional[str] = None,
           transactions: Optional[str] = None, log_columns: Optional[dict] = None,
           touchpoints: Optional[str] = None, touch_options: Optional[dict] = None) -> int:
    """Write the report on a plan and its data (sostac.report): HTML (default file
    report.html), JSON or Markdown (standard output unless ``output`` is given); 1
    when the plan itself has errors."""
    out = out or sys.stdout
    progress = progress or Progress()
    plan = _load_plan(path)
    df = (_read_data(data, time, progress, sep=sep, decimal=decimal)
          if data is not None else None)
    if transactions is not None and df is None:
        raise _Usage("--transactions needs --data (the Control stage runs on both)")
    if touchpoints is not None and df is None:
        raise _Usage("--touchpoints needs --data (the Control stage runs on both)")
    log, cols = _read_log(transactions, log_columns, progress, sep=sep, decimal=decimal)
    touches, topts = _read_touches(touchpoints, touch_options, progress, sep=sep,
                                   decimal=decimal)
    rep = _build(plan, df, as_of=as_of, time=time, progress=progress, time_unit=time_unit,
                 transactions=log, log_columns=cols, touchpoints=touches,
                 touch_options=topts)
    with progress.step("rendering"):
        text = {"html": rep.to_html, "json": lambda: rep.to_json(indent=2),
                "md": rep.to_markdown}[fmt]()
    if output is None and fmt == "html":
        output = "report.html"
    if output is None or output == "-":
        print(text, file=out, end="" if text.endswith("\n") else "\n")
    else:
        try:
            with open(output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            raise _Usage(f"{output}: {exc}") from None
        print(f"report: {os.path.abspath(output)}", file=out)
    return _errors(rep.findings)  # validated once, by build_report


def _fmt(v: float) -> str:
    if v != v:
        return "-"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"


def demo(output: str = "report.html", *, progress: Optional[Progress] = None,
         out=None) -> int:
    """The report on the demo plan and data shipped in the package
    (sostac/data/demo_plan.yaml, demo_daily.csv; made by scripts/make_demo_data.py),
    with a short summary on the console ending with the report's path."""
    from .plan import Plan

    out = out or sys.stdout
    progress = progress or Progress()
    data_dir = resources.files("sostac").joinpath("data")
    with resources.as_file(data_dir.joinpath(DEMO_PLAN)) as plan_path, \
            resources.as_file(data_dir.joinpath(DEMO_DATA)) as data_path, \
            resources.as_file(data_dir.joinpath(DEMO_LOG)) as log_path, \
            resources.as_file(data_dir.joinpath(DEMO_TOUCHES)) as touch_path:
        plan = Plan.load(plan_path)
        df = _read_data(str(data_path), "date", progress)
        log, cols = _read_log(str(log_path), None, progress)
        touches, topts = _read_touches(str(touch_path), None, progress)
    rep = _build(plan, df, as_of=None, time="date", progress=progress, transactions=log,
                 log_columns=cols, touchpoints=touches, touch_options=topts)
    with progress.step("rendering"):
        text = rep.to_html()
    try:
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise _Usage(f"{output}: {exc}") from None
    c = rep.control

    def line(s=""):
        print(s, file=out)

    from .io import to_datetime

    days = to_datetime(df["date"], "date", missing="keep").dropna().dt.normalize()
    line(f"sostac {__version__} demo: {plan.to_dict()['plan'].get('name')}")
    line(f"data: {len(df):,} rows, {days.nunique()} days ({days.min().date()} to "
         f"{days.max().date()}), {df['channel'].nunique()} channels "
         f"(sostac/data/{DEMO_DATA})")
    when = to_datetime(log[cols["transaction_time"]], "timestamp", missing="keep").dropna()
    line(f"orders: {len(log):,} by {log[cols['customer']].nunique():,} customers "
         f"({when.min().date()} to {when.max().date()}; sostac/data/{DEMO_LOG})")
    line(f"touchpoints: {len(touches):,} rows, "
         f"{int((touches['conversion'] == 1).sum()):,} conversions "
         f"(sostac/data/{DEMO_TOUCHES})\n")
    line(f"KPIs as of {c._day()}:")
    for r in c.kpis.to_dict("records"):
        line(f"  {r['objective']:<12} {r['kpi']:<22} {_fmt(r['value']):>10}  target "
             f"{_fmt(r['target']):>8}  {r['status']}")
    exps = c.experiments
    if len(exps):
        line("experiments:")
        for eid, g in exps.groupby("experiment", sort=False):
            line(f"  {eid}: {g['verdict'].iloc[0]}")
    w = c.what_works
    paid = [r for r in w.to_dict("records") if r["cost"] > 0 and r["orders"] > 0]
    a = c.attribution
    if a is not None:
        from .analyses.attribution import MODEL_NAMES

        line(f"attribution ({MODEL_NAMES[a.model]}; last touch in brackets): " + "; ".join(
            f"{r['channel']} {r[a.model + '_conversions']:,.0f} "
            f"[{r['last_conversions']:,.0f}]" for r in a.comparison.to_dict("records")))
    if paid:
        line("what works (CPA against break-even "
             f"{paid[0]['break_even_cpa']:.4g}): " + "; ".join(
                 f"{r['channel']} {r['verdict']} ({r['cpa']:.3g} [{r['cpa_low']:.3g}, "
                 f"{r['cpa_high']:.3g}]"
                 + (f"; last touch {r['last_touch_verdict']} {r['last_touch_cpa']:.3g}"
                    if r.get("attribution", "last") != "last" else "") + ")"
                 for r in paid))
    for r in c.recommendations.to_dict("records"):
        line(f"recommendation: move {r['amount']:,.0f} from {r['from_channel']} to "
             f"{r['to_channel']}")
    e = c.engage
    if e is not None:
        top = e.segments["revenue"].idxmax()
        value = (f"; mean CLV {e.clv['mean']:,.2f} over {e.horizon} months"
                 if e.clv else "")
        line(f"engage: {e.customers:,} customers, {e.repeat_customers / e.customers:.1%} "
             f"bought again; most revenue from {top} "
             f"({e.segments.loc[top, 'revenue_share']:.0%}){value}")
    errors = sum(f.severity == "error" for f in rep.findings)
    line(f"alerts: {len(c.alerts)}; plan findings: {len(rep.findings)} ({errors} errors)")
    timing = ", ".join(f"{k} {v:.2f} s" for k, v in progress.timings.items())
    line(f"time: {timing}")
    line(f"report: {os.path.abspath(output)}")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sostac", description="sostac: SOSTAC/RACE plans, their KPIs and the "
        "statistics that control them. Exit codes: 0 fine, 1 plan errors, 2 bad usage.")
    parser.add_argument("--version", action="version", version=f"sostac {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plan_help = "the plan document (.yaml, .yml or .json)"
    data_help = ("daily aggregate or row-level log, CSV (.csv, .csv.gz) or Parquet: a "
                 "time column, channel, variant and the measures")
    d = sub.add_parser("demo", help="the report on the demo plan and data shipped in the "
                       "package", description="Build the report on the demo plan and "
                       "data shipped in the package; print a summary ending with the "
                       "report's path.")
    d.add_argument("-o", "--output", default="report.html",
                   help="where to write the HTML report (default: report.html)")
    r = sub.add_parser("report", help="the report on a plan and its data (HTML, JSON, "
                       "Markdown)", description="Validate and schedule the plan, run the "
                       "Control stage on the data and write the report.")
    r.add_argument("plan", help=plan_help)
    r.add_argument("--data", help=data_help + " (without: a report on the plan alone)")
    r.add_argument("-o", "--output", help="output file ('-' for standard output; default: "
                   "report.html for HTML, standard output otherwise)")
    r.add_argument("--format", choices=("html", "json", "md"), default=None,
                   help="output format (default: from the output's extension, else html)")
    v = sub.add_parser("validate", help="check a plan and list its findings",
                       description="Check a plan and list its findings.")
    v.add_argument("plan", help=plan_help)
    s = sub.add_parser("schedule", help="tactics and actions with their slack; critical path",
                       description="Tactics and actions with their CPM slack, and the "
                       "critical path.")
    s.add_argument("plan", help=plan_help)
    c = sub.add_parser("control", help="each objective's KPI against its target, from data",
                       description="Each objective's KPI against its target, from data "
                       "(Markdown or JSON on standard output).")
    c.add_argument("plan", help=plan_help)
    c.add_argument("--data", required=True, help=data_help)
    c.add_argument("--format", choices=("md", "json"), default="md", help="output format")
    a = sub.add_parser("ab", help="A/B analysis of a daily CSV (sample shipped)",
                       description="A/B analysis of a daily aggregate: sample-ratio check, "
                       "frequentist and Bayesian comparison, minimum detectable effect.")
    a.add_argument("csv", nargs="?", help="daily CSV: date, variant, visitors, conversions")
    for p in (r, c):
        p.add_argument("--as-of", type=_iso_day,
                       help="evaluate with the data up to this day (YYYY-MM-DD)")
        p.add_argument("--time", default="date", help="the time column (default: date)")
        p.add_argument("--time-unit", choices=("s", "ms", "us", "ns", "D"), default=None,
                       help="the unit of a numeric time column of epoch times (whole-number "
                       "YYYYMMDD dates need none)")
        p.add_argument("--sep", type=_one_char, default=None,
                       help="the CSV field separator (default: sniffed among , ; tab |)")
        p.add_argument("--decimal", choices=(".", ","), default=None,
                       help="the CSV decimal mark (default: sniffed)")
        p.add_argument("--transactions", default=None, metavar="FILE",
                       help="an order log, CSV or Parquet, one row per order: customer, "
                       "time, and optionally channel and amount (the customer objectives "
                       "are counted from it; the report gains its Engage section)")
        for flag, key in (("--customer", "customer"),
                          ("--transaction-time", "transaction_time"), ("--amount", "amount")):
            p.add_argument(flag, dest=key, default=LOG_COLUMNS[key],
                           help=f"the order log's {key.replace('_', ' ')} column (default: "
                           f"{LOG_COLUMNS[key]})")
        p.add_argument("--touchpoints", default=None, metavar="FILE",
                       help="a touchpoint log (user, time, channel, conversion flag, value) "
                       "or a path table (path, conversions, value, nulls), CSV or Parquet: "
                       "what works credits orders by --attribution and the report gains "
                       "its attribution section")
        p.add_argument("--attribution", default=TOUCH_OPTIONS["attribution"],
                       choices=("markov", "shapley", "linear", "position", "time_decay",
                                "first", "last", "last_non_direct"),
                       help="the attribution model what works rests on (default: markov)")
        p.add_argument("--lookback", default=TOUCH_OPTIONS["lookback"],
                       help="the journeys' lookback before each conversion (default: 30D)")
        for flag, key in (("--user", "user"), ("--touch-time", "touch_time"),
                          ("--conversion", "conversion"),
                          ("--conversion-value", "conversion_value")):
            p.add_argument(flag, dest=key, default=TOUCH_OPTIONS[key],
                           help=f"the touchpoint log's {key.replace('_', ' ')} column "
                           f"(default: {TOUCH_OPTIONS[key]})")
    for p in (d, r, c):
        p.add_argument("--no-progress", action="store_true",
                       help="never draw progress bars (default: on a terminal, for steps "
                       "longer than a second)")
    args = parser.parse_args(argv)
    try:
        if args.command in ("demo", "report", "control"):
            progress = Progress(enabled=False) if args.no_progress else Progress()
        if args.command == "demo":
            return demo(args.output, progress=progress)
        if args.command == "report":
            fmt = args.format or {"json": "json", "md": "md"}.get(
                (args.output or "").rsplit(".", 1)[-1].lower(), "html")
            return report(args.plan, args.data, output=args.output, fmt=fmt,
                          as_of=args.as_of, time=args.time, progress=progress,
                          sep=args.sep, decimal=args.decimal, time_unit=args.time_unit,
                          transactions=args.transactions, log_columns=_log_columns(args),
                          touchpoints=args.touchpoints, touch_options=_touch_options(args))
        if args.command == "ab":
            return ab(args.csv)
        if args.command == "validate":
            return validate(args.plan)
        if args.command == "schedule":
            return schedule(args.plan)
        if args.command == "control":
            return control(args.plan, args.data, as_of=args.as_of, fmt=args.format,
                           time=args.time, progress=progress, sep=args.sep,
                           decimal=args.decimal, time_unit=args.time_unit,
                           transactions=args.transactions, log_columns=_log_columns(args),
                           touchpoints=args.touchpoints,
                           touch_options=_touch_options(args))
    except _Usage as exc:
        print(f"sostac {args.command}: {exc}", file=sys.stderr)
        return 2
    except MissingExtraError as exc:  # one line naming the extra, no traceback
        print(exc, file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into a reader that stopped (`| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 2  # pragma: no cover - argparse enforces the choices


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
