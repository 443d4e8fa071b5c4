"""SOSTAC plan documents: load (YAML or JSON), build and edit, check, schedule.

A plan is kept as the document tree itself, so that load -> save -> load is
lossless. The compiled core checks it against the one JSON Schema
(``docs/plan.schema.json``) and the semantic rules, schedules it and computes its
loading; this module adds I/O, editing, the lifecycle and pandas/matplotlib views.
"""

from __future__ import annotations

import copy
import difflib
import datetime as _dt
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from . import _core
from ._core import InputError
from ._optional import require

PathLike = Union[str, Path]


@dataclass(frozen=True)
class Finding:
    """One problem (or note) about a plan: ``severity`` ("error", "warning",
    "info"), a stable ``code``, the JSON ``path`` (e.g. ``"objectives[2].target"``)
    and a ``message`` a marketer understands."""

    severity: str
    code: str
    path: str
    message: str

    def __str__(self) -> str:
        where = self.path or "(document)"
        return f"{self.severity}: {where}: {self.message} [{self.code}]"


def _stringify_dates(value: Any) -> Any:
    """YAML reads 2026-01-31 as a date; the document format keeps ISO text."""
    if isinstance(value, dict):
        return {k: _stringify_dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify_dates(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _replace_non_finite(value: Any, path: str, out: List["Finding"]) -> Any:
    """A copy of ``value`` with NaN/inf replaced by None, each reported in ``out``."""
    if isinstance(value, dict):
        return {k: _replace_non_finite(v, _child(path, str(k)), out) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_non_finite(v, f"{path}[{i}]", out) for i, v in enumerate(value)]
    if isinstance(value, float) and not math.isfinite(value):
        out.append(Finding("error", "schema.non-finite", path,
                           f"expected a finite number, got {value}"))
        return None
    return value


_HEADER_FIELDS = {
    "id": ("id",), "name": ("name",), "currency": ("currency",), "stage": ("stage",),
    "revision": ("revision",), "start": ("horizon", "start"), "end": ("horizon", "end"),
    "budget": ("resources", "budget"),
    "people_hours_per_week": ("resources", "people_hours_per_week"),
    "average_order_value": ("economics", "average_order_value"),
    "margin": ("economics", "margin"),
}


def _check_fields(given: Any, allowed: Any, what: str) -> None:
    """Raise InputError for the first key of ``given`` not in ``allowed``, with a
    did-you-mean."""
    for key in given:
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise InputError(f"{key}: not {what}{hint}")


def _plan_header(fields: dict) -> dict:
    """The ``plan`` section from Plan(...) keywords."""
    _check_fields(fields, _HEADER_FIELDS, "a plan field")
    head: dict = {}
    for key, value in fields.items():
        if value is None:
            continue
        *parents, leaf = _HEADER_FIELDS[key]
        node = head
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return head


def _yaml():
    return require("yaml", "yaml", "YAML plans need PyYAML")


def _unique_key_loader(yaml):
    """A SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""

    class Loader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicated key '{key}' (line {key_node.start_mark.line + 1})",
                        key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return Loader


class Plan:
    """A SOSTAC plan document.

    Parameters
    ----------
    document : dict
        The document tree (as JSON or YAML gives it). It is copied.

    Build one in code, or load one (:meth:`load`, :meth:`from_dict`):

    >>> from sostac import Plan
    >>> plan = (Plan(id="q1", name="Q1 search", start="2027-01-01", end="2027-03-31")
    ...         .add_objective("o1", kpi="ctr", baseline=0.01, target=0.015,
    ...                        direction="increase", deadline="2027-03-31",
    ...                        scope={"channel": "paid_search"}, five_s="speak", race="reach")
    ...         .add_strategy("s1", serves=["o1"])
    ...         .add_tactic("t1", channel="paid_search", strategy="s1"))
    >>> plan.validate()
    []

    Examples
    --------
    >>> plan = Plan.from_dict({"sostac": 1, "plan": {"id": "q1", "nmae": "Q1 search"}})
    >>> for f in plan.validate():
    ...     print(f)
    error: plan.name: the required field 'name' is missing [schema.required]
    error: plan.nmae: unknown field 'nmae'; did you mean 'name'? [schema.unknown-field]
    """

    def __init__(self, document: Optional[dict] = None, **fields: Any) -> None:
        if document is None:
            # Plan(id=..., name=..., currency=..., start=..., end=..., budget=...,
            #      people_hours_per_week=..., average_order_value=..., margin=...)
            document = {"sostac": 1, "plan": _plan_header(fields)}
        elif fields:
            raise InputError("fields: give either a document or keyword fields, not both")
        if not isinstance(document, dict):
            raise InputError(
                f"document: expected a mapping at the top of a plan, got {type(document).__name__}"
            )
        self._doc = _stringify_dates(copy.deepcopy(document))

    # -- construction and I/O ---------------------------------------------------------
    @classmethod
    def from_dict(cls, document: dict) -> "Plan":
        """A plan from a document tree (dict), e.g. parsed JSON or YAML.

        Parameters
        ----------
        document : dict
            The plan document.

        Returns
        -------
        Plan

        Examples
        --------
        >>> from sostac import Plan
        >>> Plan.from_dict({"sostac": 1, "plan": {"id": "p", "name": "P"}}).validate()
        []
        """
        return cls(document)

    @classmethod
    def load(cls, path: PathLike) -> "Plan":
        """Load a plan from a ``.json``, ``.yaml`` or ``.yml`` file.

        Parameters
        ----------
        path : str or Path
            The file; its extension picks the parser.

        Returns
        -------
        Plan

        Raises
        ------
        ValueError
            Malformed JSON or YAML (with the position), or a document that is not a
            mapping. Problems *inside* a well-formed document are findings of
            :meth:`validate`, not errors.

        Examples
        --------
        >>> import sostac, importlib.resources as r
        >>> plan = sostac.Plan.load(r.files("sostac") / "data" / "plans" / "b2b_paid_search.yaml")
        >>> plan.to_dict()["plan"]["id"]
        'b2b-paid-search-2027'
        """
        p = Path(path)
        suffix = p.suffix.lower()
        if suffix not in (".json", ".yaml", ".yml"):
            raise InputError(f"path: expected a .json, .yaml or .yml file, got '{p.name}'")
        raw = p.read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 BOM (Windows editors): accepted
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{p.name}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset "
                             f"{exc.start}); re-save it as UTF-8") from None
        if not text.strip():
            raise InputError(f"{p.name}: the file is empty")
        if suffix == ".json":
            try:
                doc = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"{p.name}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
                ) from None
        else:
            yaml = _yaml()
            try:
                doc = yaml.load(text, Loader=_unique_key_loader(yaml))
            except yaml.YAMLError as exc:
                raise InputError(f"{p.name}: not valid YAML: {exc}") from None
        return cls(doc)

    def to_dict(self) -> dict:
        """The document tree (a deep copy).

        Returns
        -------
        dict

        Examples
        --------
        >>> from sostac import Plan
        >>> Plan.from_dict({"sostac": 1, "plan": {"id": "p", "name": "P"}}).to_dict()["sostac"]
        1
        """
        return copy.deepcopy(self._doc)

    def save(self, path: PathLike) -> None:
        """Write the plan as JSON or YAML (by extension); loading it back gives an
        identical document.

        Parameters
        ----------
        path : str or Path
            Target ``.json``, ``.yaml`` or ``.yml`` file.

        Returns
        -------
        None

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from sostac import Plan
        >>> plan = Plan.from_dict({"sostac": 1, "plan": {"id": "p", "name": "P"}})
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "p.yaml"
        >>> plan.save(f); Plan.load(f).to_dict() == plan.to_dict()
        True
        """
        p = Path(path)
        suffix = p.suffix.lower()
        if suffix == ".json":
            p.write_text(json.dumps(self._doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        elif suffix in (".yaml", ".yml"):
            text = _yaml().safe_dump(self._doc, sort_keys=False, allow_unicode=True)
            p.write_text(text, encoding="utf-8")
        else:
            raise InputError(f"path: expected a .json, .yaml or .yml file, got '{p.name}'")

    # -- checks -----------------------------------------------------------------------
    def validate(self) -> List[Finding]:
        """Check the plan: first against the document schema
        (``docs/plan.schema.json``), then against the semantic rules (references and
        ids, traceability, schedule, budget, SMART), each with a stable code listed in
        ``docs/plan.md``.

        Returns
        -------
        list of Finding
            Empty when the plan has no problem. Schema codes start with ``schema.``
            (``schema.non-finite`` flags NaN or infinity, possible from YAML);
            semantic codes with ``ids.``, ``ref.``, ``kpi.``, ``trace.``,
            ``schedule.``, ``budget.`` and ``smart.``.

        Examples
        --------
        >>> from sostac import Plan
        >>> doc = {"sostac": 1, "plan": {"id": "p", "name": "P"},
        ...        "tactics": [{"id": "t1", "channel": "search", "budget": -5}]}
        >>> [(f.severity, f.code, f.path) for f in Plan.from_dict(doc).validate()]
        [('error', 'schema.minimum', 'tactics[0].budget'), ('warning', 'trace.tactic-without-strategy', 'tactics[0]')]
        """
        bad: List[Finding] = []
        text = self._core_text(bad)
        found = [Finding(**f) for f in _core.plan.check_document(text, "document")]
        bad_paths = {f.path for f in bad}
        return bad + [f for f in found if not (f.code == "schema.type" and f.path in bad_paths)]

    # -- editing in code ------------------------------------------------------------------
    # kind -> (parent section or None, key field); the lists the typed C++ model has
    _LISTS = {"objectives": (None, "id"), "kpis": (None, "id"), "strategies": (None, "id"),
              "tactics": (None, "id"), "actions": (None, "id"),
              "baselines": ("situation", "kpi"), "targets": ("control", "objective"),
              "experiments": ("control", "id")}

    def _list(self, kind: str, create: bool) -> Optional[list]:
        if kind not in self._LISTS:
            raise InputError(f"kind: expected one of {', '.join(self._LISTS)}, got {kind!r}")
        parent, _ = self._LISTS[kind]
        node = self._doc
        where = kind
        if parent is not None:
            where = f"{parent}.{kind}"
            node = self._doc.get(parent)
            if node is None:
                if not create:
                    return None
                node = self._doc[parent] = {}
            if not isinstance(node, dict):
                raise InputError(f"{parent}: the plan's {parent} is not a mapping")
        items = node.setdefault(kind, []) if create else node.get(kind)
        if items is not None and not isinstance(items, list):
            raise InputError(f"{where}: the plan's {kind} is not a list")
        return items

    def _add(self, kind: str, item: dict) -> "Plan":
        parent, key = self._LISTS[kind]
        schema = plan_schema()["properties"]
        if parent is not None:
            schema = schema[parent]["properties"]
        _check_fields(item, schema[kind]["items"]["properties"], f"a field of {kind}")
        items = self._list(kind, create=True)
        if any(isinstance(x, dict) and x.get(key) == item[key] for x in items):
            raise InputError(f"{key}: '{item[key]}' is already one of the plan's {kind}")
        items.append(_stringify_dates({k: v for k, v in item.items() if v is not None}))
        return self

    def remove(self, kind: str, key: str) -> "Plan":
        """Remove an item by its id (for baselines its kpi, for control targets its
        objective). References to it elsewhere stay, and :meth:`validate` reports
        them.

        Parameters
        ----------
        kind : str
            objectives, kpis, strategies, tactics, actions, baselines, targets or
            experiments.
        key : str
            The item's id.

        Returns
        -------
        Plan

        Examples
        --------
        >>> from sostac import Plan
        >>> p = Plan(id="p", name="P").add_strategy("s1").add_tactic("t1", channel="seo", strategy="s1")
        >>> [f.code for f in p.remove("strategies", "s1").validate()]
        ['ref.unknown-strategy']
        """
        _, field = self._LISTS.get(kind, (None, "id"))
        items = self._list(kind, create=False) or []
        for i, x in enumerate(items):
            if isinstance(x, dict) and x.get(field) == key:
                del items[i]
                return self
        raise InputError(f"{field}: {key!r} is not one of the plan's {kind}")

    def add_objective(self, id: str, *, kpi: str, target: float, **fields: Any) -> "Plan":
        """Add a SMART objective (fields as in the document: statement, baseline,
        direction, deadline, scope, five_s, race, owner). Returns the plan, so calls
        chain. Unknown fields and duplicate ids raise ``ValueError``.

        Parameters
        ----------
        id, kpi, target
            The objective's id, KPI (catalogue or plan-defined) and target value.
        **fields
            Any other objective field.

        Returns
        -------
        Plan

        Examples
        --------
        >>> from sostac import Plan
        >>> Plan(id="p", name="P").add_objective("o1", kpi="cpa", target=40).to_dict()["objectives"]
        [{'id': 'o1', 'kpi': 'cpa', 'target': 40}]
        """
        return self._add("objectives", {"id": id, "kpi": kpi, "target": target, **fields})

    def add_kpi(self, id: str, *, numerator: str, **fields: Any) -> "Plan":
        """Add a KPI to the plan's catalogue (denominator, unit, direction, race).

        Parameters
        ----------
        id, numerator
            The KPI's id and numerator expression over base measures.
        **fields
            denominator, unit, direction, race.

        Returns
        -------
        Plan

        Examples
        --------
        >>> from sostac import Plan
        >>> p = Plan(id="p", name="P").add_kpi("profit_per_lead", numerator="revenue - cost",
        ...                                    denominator="leads", unit="currency")
        >>> p.to_dict()["kpis"][0]["numerator"]
        'revenue - cost'
        """
        return self._add("kpis", {"id": id, "numerator": numerator, **fields})

    def add_strategy(self, id: str, **fields: Any) -> "Plan":
        """Add a strategy (summary, segments, positioning, serves, channel_mix).

        Parameters
        ----------
        id
            The strategy's id.
        **fields
            Any other strategy field.

        Returns
        -------
        Plan

        Examples
        --------
        >>> from sostac import Plan
        >>> Plan(id="p", name="P").add_strategy("s1", serves=["o1"]).to_dict()["strategies"]
        [{'id': 's1', 'serves': ['o1']}]
        """
        return self._add("strategies", {"id": id, **fields})

    def add_tactic(self, id: str, *, channel: str, **fields: Any) -> "Plan":
        """Add a channel tactic (strategy, start, end, budget, race, aida, kpis,
        depends_on).

        Parameters
        ----------
        id, channel
            The tactic's id and channel.
        **fields
            Any other tactic field.

        Returns
        -------
        Plan

        Examples
        --------
        >>> from sostac import Plan
        >>> p = Plan(id="p", name="P").add_tactic("t1", channel="seo", budget=5000)
        >>> p.to_dict()["tactics"]
        [{'id': 't1', 'channel': 'seo', 'budget': 5000}]
        """
        return self._add("tactics", {"id": id, "channel": channel, **fields})

    def add_action(self, id: str, *, title: str, **fields: Any) -> "Plan":
        """Add an action, the 3M at its finest grain (tactic, owner, start, end,
        effort_hours, cost, skills, depends_on, status).

        Parameters
        ----------
        id, title
            The action's id and title.
        **fields
            Any other action field.

        Returns
        -------
        Plan

        Examples
        --------
        >>> from sostac import Plan
        >>> Plan(id="p", name="P").add_action("a1", title="Audit", tactc="t1")
        Traceback (most recent call last):
          ...
        sostac._core.InputError: tactc: not a field of actions; did you mean 'tactic'?
        """
        return self._add("actions", {"id": id, "title": title, **fields})

    def add_baseline(self, kpi: str, value: float, **fields: Any) -> "Plan":
        """Add a KPI baseline to the situation analysis (as_of, source, history).

        Parameters
        ----------
        kpi, value
            The KPI and its current value.
        **fields
            as_of, source, history.

        Returns
        -------
        Plan

        Examples
        --------
        >>> from sostac import Plan
        >>> p = Plan(id="p", name="P").add_baseline("ctr", 0.01, as_of="2026-12-31")
        >>> p.to_dict()["situation"]["baselines"]
        [{'kpi': 'ctr', 'value': 0.01, 'as_of': '2026-12-31'}]
        """
        return self._add("baselines", {"kpi": kpi, "value": value, **fields})

    def add_target(self, objective: str, **fields: Any) -> "Plan":
        """Add a KPI target to the Control stage (cadence, alert).

        Parameters
        ----------
        objective
            The objective whose KPI is tracked.
        **fields
            cadence (daily, weekly, monthly, quarterly), alert.

        Returns
        -------
        Plan

        Examples
        --------
        >>> from sostac import Plan
        >>> p = Plan(id="p", name="P").add_target("o1", cadence="weekly", alert=0.008)
        >>> p.to_dict()["control"]
        {'targets': [{'objective': 'o1', 'cadence': 'weekly', 'alert': 0.008}]}
        """
        return self._add("targets", {"objective": objective, **fields})

    def add_experiment(self, id: str, *, kpi: str, **fields: Any) -> "Plan":
        """Add an experiment to the Control stage (tactic, variants).

        Parameters
        ----------
        id, kpi
            The experiment's id and the KPI it compares.
        **fields
            tactic, variants.

        Returns
        -------
        Plan

        Examples
        --------
        >>> from sostac import Plan
        >>> p = Plan(id="p", name="P").add_experiment("x1", kpi="ctr", variants=["A", "B"])
        >>> p.to_dict()["control"]["experiments"]
        [{'id': 'x1', 'kpi': 'ctr', 'variants': ['A', 'B']}]
        """
        return self._add("experiments", {"id": id, "kpi": kpi, **fields})

    # -- lifecycle ---------------------------------------------------------------------
    STAGES = tuple(_core.plan.stages)  #: situation, objectives, ..., control, review

    @property
    def stage(self) -> str:
        """The SOSTAC stage the plan has reached (``plan.stage``, default
        "situation")."""
        head = self._doc.get("plan") if isinstance(self._doc.get("plan"), dict) else {}
        return head.get("stage", "situation")

    def advance(self, to: Optional[str] = None) -> "Plan":
        """Move the plan to a later stage (the next one by default). Every stage before
        the target must validate without errors: the errors found in those sections
        (and in the plan header) are listed in the ``ValueError``.

        Parameters
        ----------
        to : str, optional
            One of situation, objectives, strategy, tactics, actions, control, review.

        Returns
        -------
        Plan
            The same plan, now at the new stage.

        Examples
        --------
        >>> import sostac, importlib.resources as r
        >>> plan = sostac.Plan.load(r.files("sostac") / "data" / "plans" / "b2b_paid_search.yaml")
        >>> plan.stage, plan.advance().stage
        ('tactics', 'actions')
        """
        if to is not None and not isinstance(to, str):
            raise InputError(f"to: expected a stage name, got {to!r}")
        stage = _core.plan.advance(self._core_text(), to or "")
        self._doc.setdefault("plan", {})["stage"] = stage
        return self

    def review(self, results: Any, *, as_of: Optional[str] = None, source: str = "") -> "Plan":
        """Close the Control stage: a new revision of the plan that starts again at the
        Situation, with the measured KPI values as its baselines. The Control results
        feed the next Situation analysis, as the SOSTAC cycle asks (a full review
        every ``control.review_every_months``).

        Parameters
        ----------
        results : dict or sostac.control.ControlResult
            KPI id -> measured value; or the result of :meth:`control`, whose KPI
            values to date become the baselines and whose findings are copied into
            the new Situation's SWOT (objectives off track and channels losing money
            as weaknesses, objectives on track and profitable channels as
            strengths).
        as_of : str
            The date of the measurement, YYYY-MM-DD (default for a control result:
            its as-of day).
        source : str
            Where the values come from (default: "control review of revision N").

        Returns
        -------
        Plan
            A new plan (this one is unchanged): revision + 1, stage "situation", each
            result as the KPI's baseline (the old baseline moves into its history) and
            each objective on that KPI rebased.

        Examples
        --------
        >>> import sostac, importlib.resources as r
        >>> plan = sostac.Plan.load(r.files("sostac") / "data" / "plans" / "b2b_paid_search.yaml")
        >>> nxt = plan.review({"ctr": 0.013}, as_of="2027-06-30")
        >>> nxt.to_dict()["plan"]["revision"], nxt.stage
        (2, 'situation')
        >>> [c for c in plan.diff(nxt) if c[0].startswith("situation.baselines[0]")][:2]
        [('situation.baselines[0].value', 0.01, 0.013), ('situation.baselines[0].as_of', '2026-12-31', '2027-06-30')]
        """
        swot: Dict[str, List[str]] = {}
        if type(results).__name__ == "ControlResult":
            results, as_of, source, swot = _from_control(results, as_of, source)
        if not isinstance(results, dict) or not results:
            raise InputError("results: expected a mapping of KPI id to measured value")
        for k, v in results.items():
            if not isinstance(k, str) or isinstance(v, bool) or not isinstance(v, (int, float)):
                raise InputError(f"results[{k!r}]: expected a KPI id and a number, got {v!r}")
        if not isinstance(as_of, str):
            raise InputError(f"as_of: expected a date YYYY-MM-DD, got {as_of!r}")
        text = _core.plan.review(self._core_text(), [(k, float(v)) for k, v in results.items()],
                                 as_of, source)
        document = json.loads(text)
        if swot:
            lists = document.setdefault("situation", {}).setdefault("swot", {})
            for key, lines in swot.items():
                have = lists.setdefault(key, [])
                have.extend(line for line in lines if line not in have)
        return Plan(document)

    def diff(self, other: "Plan") -> List[tuple]:
        """Differences from this plan to ``other`` (e.g. the next revision), as
        ``(path, old, new)`` with JSON paths; ``None`` marks an absent value.

        Parameters
        ----------
        other : Plan

        Returns
        -------
        list of tuple

        Examples
        --------
        >>> from sostac import Plan
        >>> a = Plan(id="p", name="P")
        >>> b = Plan(id="p", name="P", currency="EUR")
        >>> a.diff(b)
        [('plan.currency', None, 'EUR')]
        """
        if not isinstance(other, Plan):
            raise InputError(f"other: expected a Plan, got {type(other).__name__}")
        return [(path, json.loads(old), json.loads(new))
                for path, old, new in _core.plan.diff(self._core_text(), other._core_text())]

    # -- schedule ---------------------------------------------------------------------
    def control(self, data: Any, *, as_of: Any = None, alpha: float = 0.05,
                level: float = 0.95, time: str = "date", channel: str = "channel",
                variant: str = "variant", time_unit: Optional[str] = None,
                transactions: Any = None, customer: str = "customer_id",
                transaction_time: str = "timestamp", amount: Optional[str] = "amount",
                touchpoints: Any = None, attribution: str = "markov",
                user: str = "user_id", touch_time: str = "timestamp",
                conversion: str = "conversion", conversion_value: Optional[str] = "value",
                lookback: Any = "30D"):
        """Each objective's KPI against its target, from observed data: the value to
        date with its interval, a one-sided test against the target, a projection to
        the deadline and a status (see :func:`sostac.control.evaluate` and
        ``docs/control.md``).

        Parameters
        ----------
        data
            A daily aggregate (date, channel, measures) as for
            :func:`sostac.metrics.kpi_table`.
        as_of, alpha, level, time, channel, variant, time_unit
            As for :func:`sostac.control.evaluate`.
        transactions, customer, transaction_time, amount
            An order log (one row per order) and its column names: the customer
            objectives are counted from it and ``result.engage`` analyses the customers
            (see :func:`sostac.control.evaluate`).
        touchpoints, attribution, user, touch_time, conversion, conversion_value, lookback
            A touchpoint log or path table, the attribution model what works rests on,
            and the log's column names (see :func:`sostac.control.evaluate`).

        Returns
        -------
        sostac.control.ControlResult
        """
        from .control import evaluate

        return evaluate(self, data, as_of=as_of, alpha=alpha, level=level, time=time,
                        channel=channel, variant=variant, time_unit=time_unit,
                        transactions=transactions, customer=customer,
                        transaction_time=transaction_time, amount=amount,
                        touchpoints=touchpoints, attribution=attribution, user=user,
                        touch_time=touch_time, conversion=conversion,
                        conversion_value=conversion_value, lookback=lookback)

    def _core_text(self, non_finite: Optional[List[Finding]] = None) -> str:
        """The document as JSON text for the compiled core. JSON has no NaN or
        infinity (YAML has .nan and .inf): they go to the core as null and, when a
        list is given, are reported in it by path."""
        bad: List[Finding] = [] if non_finite is None else non_finite
        return json.dumps(_replace_non_finite(self._doc, "", bad), allow_nan=False)

    def _schedule(self) -> dict:
        return _core.plan.schedule(self._core_text())

    def schedule(self):
        """The plan's tactics and actions with their CPM slack.

        Dates are as planned; dependencies are finish-to-start. A tactic's slack is
        how many days it could end later without delaying a tactic that depends on it
        or the last tactic's end; an action's is bounded by its own tactic's end.

        Returns
        -------
        pandas.DataFrame
            Columns id, kind ("tactic" or "action"), start, end (datetime64),
            slack_days, critical (slack 0).

        Raises
        ------
        ValueError
            An item without start/end dates, or a dependency cycle (with its path).

        Examples
        --------
        >>> import sostac, importlib.resources as r
        >>> plan = sostac.Plan.load(r.files("sostac") / "data" / "plans" / "b2b_paid_search.yaml")
        >>> plan.schedule().query("kind == 'tactic'")[["id", "slack_days", "critical"]].values.tolist()
        [['t-research', 5, False], ['t-launch', 0, True], ['t-retargeting', 92, False], ['t-scale', 0, True]]
        """
        pd = require("pandas", "pandas", "schedule() needs pandas")
        rows = self._schedule()["activities"]
        frame = pd.DataFrame(rows, columns=["id", "kind", "start", "end", "slack_days", "critical"])
        for col in ("start", "end"):
            frame[col] = pd.to_datetime(frame[col])
        return frame

    def loading(self, freq: str = "W"):
        """People-hours and money per period against the plan's 3M limits.

        Each action's ``effort_hours`` and each tactic's ``budget`` are spread evenly
        over their calendar days (action costs are part of their tactic's budget),
        then summed per period.

        Parameters
        ----------
        freq : str
            A pandas frequency: ``"W"`` (weeks ending Sunday), ``"MS"`` (months),
            ``"D"`` (days), ...

        Returns
        -------
        pandas.DataFrame
            Indexed by period end (for "W") or start (for "MS"); columns
            people_hours, money, people_hours_limit (``people_hours_per_week`` scaled
            to the period's days, NaN if the plan sets none) and over_allocated.

        Examples
        --------
        >>> import sostac, importlib.resources as r
        >>> plan = sostac.Plan.load(r.files("sostac") / "data" / "plans" / "b2b_paid_search.yaml")
        >>> weekly = plan.loading("W")
        >>> round(weekly["money"].sum()), bool(weekly["over_allocated"].any())
        (116000, False)
        """
        pd = require("pandas", "pandas", "loading() needs pandas")
        daily = _core.plan.daily_loading(self._core_text())
        frame = pd.DataFrame(
            {"people_hours": daily["people_hours"], "money": daily["money"]},
            index=pd.DatetimeIndex(pd.to_datetime(daily["date"]), name="date"),
        )
        try:
            grouped = frame.resample(freq)
        except ValueError as exc:
            raise InputError(f"freq: not a pandas frequency: {freq!r}") from exc
        out = grouped.sum()
        days = grouped.size() if len(frame) else pd.Series(dtype=float)
        limit = ((self._doc.get("plan") or {}).get("resources") or {}).get("people_hours_per_week")
        if isinstance(limit, (int, float)) and not isinstance(limit, bool):
            out["people_hours_limit"] = limit * days.astype(float) / 7.0
        else:
            out["people_hours_limit"] = float("nan")
        out["over_allocated"] = out["people_hours"] > out["people_hours_limit"] * (1 + 1e-9)
        return out

    def critical_path(self) -> List[str]:
        """Ids of the tactics on the critical path, first to last: from the tactic that
        ends last, back through dependencies with zero slack.

        Returns
        -------
        list of str

        Examples
        --------
        >>> import sostac, importlib.resources as r
        >>> sostac.Plan.load(r.files("sostac") / "data" / "plans" / "b2b_paid_search.yaml").critical_path()
        ['t-launch', 't-scale']
        """
        return list(self._schedule()["critical_path"])

    def critical_chains(self) -> List[List[str]]:
        """Every critical chain of tactics, each first to last: zero-slack tactics
        joined by tight dependencies (the next starts the day after the previous
        ends). Every tactic that ``schedule()`` marks critical is on at least one
        chain, and parallel chains are all listed (ordered by their first tactic's
        id); :meth:`critical_path` is the one that ends with the last-ending tactic.

        Returns
        -------
        list of list of str

        Examples
        --------
        >>> import sostac, importlib.resources as r
        >>> sostac.Plan.load(r.files("sostac") / "data" / "plans" / "b2b_paid_search.yaml").critical_chains()
        [['t-launch', 't-scale']]
        """
        return [list(c) for c in self._schedule()["critical_chains"]]

    # -- the integrated plan table and the Gantt chart -----------------------------------
    def table(self):
        """The integrated plan table: one row per objective, with the motivation from
        the situation analysis, the strategies serving it, their tactics that track
        its KPI, and the KPIs used to control it.

        Returns
        -------
        pandas.DataFrame
            Columns objective, statement, five_s, race, kpi, baseline, target,
            deadline, motivation (the KPI's baseline in ``situation.baselines``: value,
            date and source), strategies, tactics, kpis.

        Examples
        --------
        >>> import sostac, importlib.resources as r
        >>> plan = sostac.Plan.load(r.files("sostac") / "data" / "plans" / "b2b_paid_search.yaml")
        >>> plan.table().set_index("objective").loc["o-ctr", ["strategies", "tactics"]].tolist()
        ['s-long-tail', 't-launch']
        """
        pd = require("pandas", "pandas", "table() needs pandas")
        d = self._doc

        def listed(key):
            v = d.get(key)
            return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []

        situation = d.get("situation") if isinstance(d.get("situation"), dict) else {}
        baselines = {
            b.get("kpi"): b for b in situation.get("baselines", []) or [] if isinstance(b, dict)
        }
        rows = []
        for o in listed("objectives"):
            kpi = o.get("kpi")
            strategies = [s for s in listed("strategies") if o.get("id") in (s.get("serves") or [])]
            sids = {s.get("id") for s in strategies}
            tactics = [
                t for t in listed("tactics")
                if t.get("strategy") in sids and kpi in (t.get("kpis") or [])
            ]
            kpis = [kpi] + sorted({k for t in tactics for k in (t.get("kpis") or []) if k != kpi})
            b = baselines.get(kpi)
            motivation = ""
            if b:
                motivation = f"{kpi} = {b.get('value')}"
                if b.get("as_of"):
                    motivation += f" as of {b['as_of']}"
                if b.get("source"):
                    motivation += f" ({b['source']})"
            rows.append({
                "objective": o.get("id"), "statement": o.get("statement", ""),
                "five_s": o.get("five_s"), "race": o.get("race"), "kpi": kpi,
                "baseline": o.get("baseline", b.get("value") if b else None),
                "target": o.get("target"), "deadline": o.get("deadline"),
                "motivation": motivation,
                "strategies": ", ".join(s.get("id", "") for s in strategies),
                "tactics": ", ".join(t.get("id", "") for t in tactics),
                "kpis": ", ".join(k for k in kpis if k),
            })
        columns = ["objective", "statement", "five_s", "race", "kpi", "baseline", "target",
                   "deadline", "motivation", "strategies", "tactics", "kpis"]
        return pd.DataFrame(rows, columns=columns)

    def _repr_html_(self) -> str:
        import html

        head = f"<b>{html.escape(repr(self))}</b>"
        try:
            return head + self.table().to_html(index=False, na_rep="")
        except ImportError:  # pragma: no cover - without pandas
            return head

    def gantt(self, ax=None):
        """Draw the schedule as a Gantt chart: one bar per tactic and action (actions
        indented under the tactics), critical items in red.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure if None.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import sostac, importlib.resources as r
        >>> plan = sostac.Plan.load(r.files("sostac") / "data" / "plans" / "b2b_paid_search.yaml")
        >>> ax = plan.gantt()
        >>> len(ax.patches)  # 4 tactics + 4 actions
        8
        """
        require("matplotlib", "plot", "gantt() needs matplotlib")
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt
        sched = self.schedule()
        # Each tactic followed by its own actions; actions of no known tactic last.
        parent = {
            a.get("id"): a.get("tactic")
            for a in (self._doc.get("actions") or []) if isinstance(a, dict)
        }
        tactic_ids = list(sched.loc[sched["kind"] == "tactic", "id"])
        order = []
        for t in tactic_ids:
            order.append(("tactic", t))
            order += [("action", a) for a in sched.loc[sched["kind"] == "action", "id"]
                      if parent.get(a) == t]
        order += [("action", a) for a in sched.loc[sched["kind"] == "action", "id"]
                  if parent.get(a) not in tactic_ids]
        sched = sched.set_index(["kind", "id"]).loc[order].reset_index()
        if ax is None:
            _, ax = plt.subplots(figsize=(10, 0.4 * max(len(sched), 1) + 1.5))
        labels = []
        for row, item in enumerate(sched.itertuples()):
            start = mdates.date2num(item.start)
            width = mdates.date2num(item.end) - start + 1
            color = "tab:red" if item.critical else ("tab:blue" if item.kind == "tactic" else "tab:gray")
            ax.barh(row, width, left=start, height=0.6, color=color)
            labels.append(item.id if item.kind == "tactic" else f"   {item.id}")
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.xaxis_date()
        ax.set_title(f"{(self._doc.get('plan') or {}).get('name', 'Plan')}: schedule "
                     "(red = critical path)")
        return ax

    def __repr__(self) -> str:
        head = self._doc.get("plan", {}) if isinstance(self._doc.get("plan"), dict) else {}
        counts = ", ".join(
            f"{len(self._doc[k])} {k}"
            for k in ("objectives", "strategies", "tactics", "actions")
            if isinstance(self._doc.get(k), list)
        )
        return f"Plan(id={head.get('id')!r}, name={head.get('name')!r}{', ' + counts if counts else ''})"


def _from_control(control: Any, as_of: Optional[str], source: str):
    """(results, as_of, source, swot lines) of a ControlResult for Plan.review."""
    results: Dict[str, float] = {}
    swot: Dict[str, List[str]] = {"strengths": [], "weaknesses": []}

    def file(line: str, verdict: str, good: str, bad: str) -> None:
        if verdict == good:
            swot["strengths"].append(line)
        elif verdict == bad:
            swot["weaknesses"].append(line)

    for r in control.kpis.to_dict("records"):
        value = r["value"]
        if r["status"] == "insufficient_data" or not math.isfinite(value):
            continue
        results.setdefault(r["kpi"], float(value))
        line = (f"{r['objective']}: {r['kpi']} {value:.4g} against a target of "
                f"{r['target']:.4g} ({r['status'].replace('_', ' ')}, control review)")
        file(line, r["status"], "on_track", "off_track")
    works = getattr(control, "what_works", None)
    if works is not None:
        for w in works.to_dict("records"):
            line = (f"channel {w['channel']}: CPA {w['cpa']:.4g} against a break-even of "
                    f"{w['break_even_cpa']:.4g} ({w['verdict']}, control review)")
            file(line, w["verdict"], "profitable", "losing")
    if not results:
        raise InputError("results: the control result has no KPI with data to review")
    day = as_of or control.as_of.date().isoformat()
    return results, day, source or f"sostac control as of {day}", {
        k: v for k, v in swot.items() if v}


def plan_schema() -> dict:
    """The plan document's JSON Schema as a dict (the file docs/plan.schema.json).

    Returns
    -------
    dict

    Examples
    --------
    >>> import sostac
    >>> sostac.plan_schema()["properties"]["sostac"]["enum"]
    [1]
    """
    return json.loads(_core.plan.schema_text())
