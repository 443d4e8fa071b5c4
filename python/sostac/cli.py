"""Command line: ``sostac demo``, ``sostac validate PLAN``, ``sostac schedule PLAN``,
``sostac control PLAN --data DATA`` (or ``python -m sostac ...``).

Exit codes: 0 when fine, 1 when the plan has findings of severity error, 2 on bad
usage (a file that cannot be read, a wrong option).
"""

from __future__ import annotations

import argparse
import csv
import sys
from importlib import resources
from typing import Optional, Sequence

from . import __version__, stats

SAMPLE = "ab_test.csv"


def _read_ab(path: Optional[str]):
    """Per-variant totals of a daily CSV with columns date, variant, visitors,
    conversions."""
    if path is None:
        text = resources.files("sostac").joinpath("data", SAMPLE).read_text()
        source = f"sample data shipped in the package (sostac/data/{SAMPLE})"
    else:
        with open(path, newline="") as f:
            text = f.read()
        source = path
    rows = list(csv.DictReader(text.splitlines()))
    need = {"date", "variant", "visitors", "conversions"}
    if not rows or not need <= set(rows[0]):
        raise SystemExit(f"{source}: expected CSV columns {sorted(need)}")
    totals: dict = {}
    days = set()
    for i, r in enumerate(rows):
        try:
            v, c = int(r["visitors"]), int(r["conversions"])
        except ValueError:
            raise SystemExit(f"{source}: row {i + 2}: visitors/conversions must be integers")
        t = totals.setdefault(r["variant"], [0, 0])
        t[0] += v
        t[1] += c
        days.add(r["date"])
    return source, totals, len(days)


def demo(path: Optional[str] = None, out=sys.stdout) -> int:
    """A/B analysis of a daily aggregate: sample-ratio check, frequentist and
    Bayesian comparison, and the minimum detectable effect of the design."""
    source, totals, n_days = _read_ab(path)
    arms = sorted(totals)
    if len(arms) != 2:
        raise SystemExit(f"{source}: the demo compares exactly 2 variants, found {arms}")
    a, b = arms
    (n_a, x_a), (n_b, x_b) = totals[a], totals[b]
    def line(s=""):
        print(s, file=out)

    line(f"sostac {__version__} demo: A/B analysis of {source}")
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


class _Usage(Exception):
    """Bad usage: reported on stderr with exit code 2."""


def _read_data(path: str, time: str):
    """A daily aggregate from CSV or Parquet, the time column parsed as dates."""
    import pandas as pd

    try:
        if path.endswith(".parquet"):
            df = pd.read_parquet(path)
        else:
            df = pd.read_csv(path)
    except (OSError, ValueError, ImportError) as exc:
        raise _Usage(f"{path}: {exc}") from None
    if time not in df.columns:
        raise _Usage(f"{path}: expected a '{time}' column, found {list(df.columns)}")
    try:
        df[time] = pd.to_datetime(df[time])
    except (ValueError, TypeError) as exc:
        raise _Usage(f"{path}: column '{time}': {exc}") from None
    return df


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
    for f in errors:
        print(str(f), file=out)
    return 1 if errors else 0


def control(path: str, data: str, *, as_of: Optional[str] = None, fmt: str = "md",
            time: str = "date", out=None) -> int:
    """Each objective's KPI against its target (Plan.control), as Markdown or JSON;
    1 when the plan itself has errors."""
    out = out or sys.stdout
    plan = _load_plan(path)
    df = _read_data(data, time)
    try:
        result = plan.control(df, as_of=as_of, time=time)
    except ValueError as exc:
        raise _Usage(str(exc)) from None
    if fmt == "json":
        print(result.to_json(indent=2), file=out)
    else:
        print(result.to_markdown(), file=out, end="")
    errors = [f for f in plan.validate() if f.severity == "error"]
    for f in errors:
        print(str(f), file=sys.stderr)
    return 1 if errors else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="sostac", description="sostac command line")
    parser.add_argument("--version", action="version", version=f"sostac {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="A/B analysis of the sample data (or your own CSV)")
    d.add_argument("csv", nargs="?", help="daily CSV: date, variant, visitors, conversions")
    v = sub.add_parser("validate", help="check a plan (YAML or JSON) and list its findings")
    v.add_argument("plan", help="the plan document (.yaml, .yml or .json)")
    s = sub.add_parser("schedule", help="tactics and actions with their slack; critical path")
    s.add_argument("plan", help="the plan document (.yaml, .yml or .json)")
    c = sub.add_parser("control", help="each objective's KPI against its target, from data")
    c.add_argument("plan", help="the plan document (.yaml, .yml or .json)")
    c.add_argument("--data", required=True,
                   help="daily aggregate, CSV or Parquet: date, channel and the measures")
    c.add_argument("--as-of", help="evaluate with the data up to this day (YYYY-MM-DD)")
    c.add_argument("--format", choices=("md", "json"), default="md", help="output format")
    c.add_argument("--time", default="date", help="the time column (default: date)")
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            return demo(args.csv)
        if args.command == "validate":
            return validate(args.plan)
        if args.command == "schedule":
            return schedule(args.plan)
        if args.command == "control":
            return control(args.plan, args.data, as_of=args.as_of, fmt=args.format,
                           time=args.time)
    except _Usage as exc:
        print(f"sostac {args.command}: {exc}", file=sys.stderr)
        return 2
    return 2  # pragma: no cover - argparse enforces the choices


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
