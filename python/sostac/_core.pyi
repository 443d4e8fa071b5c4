"""Type stubs for sostac._core, the private compiled core (kept in sync with
python/src/*.cpp by tests/python/test_stubs.py)."""

from types import ModuleType

import numpy as np
import numpy.typing as npt

__version__: str

class InputError(ValueError): ...

def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...

class _Stats(ModuleType):
    @staticmethod
    def two_proportion_test(
        x_a: npt.ArrayLike, n_a: npt.ArrayLike, x_b: npt.ArrayLike, n_b: npt.ArrayLike,
        method: str, alternative: str, indexed: bool,
    ) -> dict[str, np.ndarray]: ...
    @staticmethod
    def one_proportion_test(
        x: npt.ArrayLike, n: npt.ArrayLike, p0: npt.ArrayLike, method: str, alternative: str,
        indexed: bool,
    ) -> dict[str, np.ndarray]: ...
    @staticmethod
    def poisson_test(
        k: npt.ArrayLike, exposure: npt.ArrayLike, r0: npt.ArrayLike, alternative: str,
        indexed: bool,
    ) -> dict[str, np.ndarray]: ...
    @staticmethod
    def proportion_ci(
        x: npt.ArrayLike, n: npt.ArrayLike, level: npt.ArrayLike, method: str, indexed: bool
    ) -> dict[str, np.ndarray]: ...
    @staticmethod
    def diff_ci(
        x_a: npt.ArrayLike, n_a: npt.ArrayLike, x_b: npt.ArrayLike, n_b: npt.ArrayLike,
        level: npt.ArrayLike, method: str, indexed: bool,
    ) -> dict[str, np.ndarray]: ...
    @staticmethod
    def lift_ci(
        x_a: npt.ArrayLike, n_a: npt.ArrayLike, x_b: npt.ArrayLike, n_b: npt.ArrayLike,
        level: npt.ArrayLike, method: str, indexed: bool,
    ) -> dict[str, np.ndarray]: ...
    @staticmethod
    def t_test(
        a: npt.ArrayLike, b: npt.ArrayLike, equal_var: bool, alternative: str, level: float
    ) -> dict[str, float]: ...
    @staticmethod
    def t_test_from_stats(
        mean_a: npt.ArrayLike, sd_a: npt.ArrayLike, n_a: npt.ArrayLike,
        mean_b: npt.ArrayLike, sd_b: npt.ArrayLike, n_b: npt.ArrayLike,
        level: npt.ArrayLike, equal_var: bool, alternative: str, indexed: bool,
    ) -> dict[str, np.ndarray]: ...
    @staticmethod
    def mann_whitney(
        a: npt.ArrayLike, b: npt.ArrayLike, alternative: str, continuity: bool
    ) -> dict[str, float]: ...
    @staticmethod
    def adjust_pvalues(p: npt.ArrayLike, method: str) -> np.ndarray: ...
    @staticmethod
    def power_proportions(
        p_a: npt.ArrayLike, p_b: npt.ArrayLike, n: npt.ArrayLike, alpha: npt.ArrayLike,
        ratio: npt.ArrayLike, alternative: str, method: str, tails: str, indexed: bool,
    ) -> dict[str, np.ndarray]: ...
    @staticmethod
    def sample_size_proportions(
        p_a: npt.ArrayLike, p_b: npt.ArrayLike, alpha: npt.ArrayLike, power: npt.ArrayLike,
        ratio: npt.ArrayLike, alternative: str, method: str, tails: str, indexed: bool,
    ) -> dict[str, np.ndarray]: ...
    @staticmethod
    def mde_proportions(
        p_a: npt.ArrayLike, n: npt.ArrayLike, alpha: npt.ArrayLike, power: npt.ArrayLike,
        ratio: npt.ArrayLike, alternative: str, method: str, tails: str, indexed: bool,
    ) -> dict[str, np.ndarray]: ...
    @staticmethod
    def sample_size_means(
        delta: npt.ArrayLike, sd: npt.ArrayLike, alpha: npt.ArrayLike, power: npt.ArrayLike,
        ratio: npt.ArrayLike, alternative: str, strict: bool, indexed: bool,
    ) -> dict[str, np.ndarray]: ...
    @staticmethod
    def mde_means(
        sd: npt.ArrayLike, n: npt.ArrayLike, alpha: npt.ArrayLike, power: npt.ArrayLike,
        ratio: npt.ArrayLike, alternative: str, strict: bool, indexed: bool,
    ) -> dict[str, np.ndarray]: ...
    @staticmethod
    def power_means(
        delta: npt.ArrayLike, sd: npt.ArrayLike, n: npt.ArrayLike, alpha: npt.ArrayLike,
        ratio: npt.ArrayLike, alternative: str, strict: bool, indexed: bool,
    ) -> dict[str, np.ndarray]: ...
    @staticmethod
    def srm_test(counts: npt.ArrayLike, ratios: npt.ArrayLike) -> dict[str, np.ndarray]: ...
    @staticmethod
    def homogeneity_test(x: npt.ArrayLike, n: npt.ArrayLike) -> dict[str, float]: ...
    @staticmethod
    def beta_binomial(
        x_a: npt.ArrayLike, n_a: npt.ArrayLike, x_b: npt.ArrayLike, n_b: npt.ArrayLike,
        prior_alpha: npt.ArrayLike, prior_beta: npt.ArrayLike, level: npt.ArrayLike,
        indexed: bool,
    ) -> dict[str, np.ndarray]: ...
    @staticmethod
    def prob_best(
        x: npt.ArrayLike, n: npt.ArrayLike, prior_alpha: float, prior_beta: float
    ) -> np.ndarray: ...

    # sequential part (group-sequential designs: register_stats_sequential.cpp)

stats: _Stats

class _Plan(ModuleType):
    stages: tuple[str, ...]
    @staticmethod
    def check_document(
        text: str, source: str, schema_only: bool = ...
    ) -> list[dict[str, str]]: ...
    @staticmethod
    def advance(text: str, to: str) -> str: ...
    @staticmethod
    def review(
        text: str, results: list[tuple[str, float]], as_of: str, source: str
    ) -> str: ...
    @staticmethod
    def diff(a: str, b: str) -> list[tuple[str, str, str]]: ...
    @staticmethod
    def schema_text() -> str: ...
    @staticmethod
    def schedule(text: str) -> dict[str, object]: ...
    @staticmethod
    def daily_loading(text: str) -> dict[str, list]: ...
    @staticmethod
    def kpi_catalog() -> list[dict[str, object]]: ...
    @staticmethod
    def distinct_measures() -> list[str]: ...
    @staticmethod
    def parse_measure_expression(text: str, argument: str) -> list[tuple[float, str]]: ...

plan: _Plan

class _KpiRollup:
    measures: list[str]
    def __init__(
        self, kpis: list[tuple[str, str, str, float, str]], period: str,
        ticks_per_day: int, offset_ticks: int
    ) -> None: ...
    def add(
        self, group: np.ndarray, time: np.ndarray, columns: list[np.ndarray],
        names: list[str], group_name: str, time_name: str
    ) -> None: ...
    def merge(self, other: _KpiRollup, group_map: list[int] | None = ...) -> None: ...
    def finish(self, level: float) -> dict[str, object]: ...

class _FunnelUsers:
    level: np.ndarray
    entry_time: np.ndarray
    present: np.ndarray
    order: np.ndarray
    step_events: np.ndarray
    def table(
        self, by_touch: bool, last_touch: bool, by_period: bool, period: str,
        ticks_per_day: int, offset_ticks: int
    ) -> dict[str, np.ndarray]: ...

class _FunnelEvents:
    def __init__(self, steps: int, window: int, strict: bool) -> None: ...
    def add(
        self, user: np.ndarray, time: np.ndarray, step: np.ndarray,
        touch: np.ndarray | None, names: list[str]
    ) -> None: ...
    def merge(
        self, other: _FunnelEvents, user_map: list[int] | None = ...,
        touch_map: list[int] | None = ...
    ) -> None: ...
    def __len__(self) -> int: ...
    def finish(self, users: int) -> _FunnelUsers: ...

class _Cohorts:
    def __init__(self, period: str, ticks_per_day: int, offset_ticks: int) -> None: ...
    def add(
        self, user: np.ndarray, time: np.ndarray, value: np.ndarray | None,
        names: list[str]
    ) -> None: ...
    def merge(self, other: _Cohorts, user_map: list[int] | None = ...) -> None: ...
    def finish(self) -> dict[str, object]: ...

class _Metrics(ModuleType):
    KpiRollup: type[_KpiRollup]
    FunnelUsers: type[_FunnelUsers]
    FunnelEvents: type[_FunnelEvents]
    Cohorts: type[_Cohorts]
    @staticmethod
    def funnel_users(
        user: np.ndarray, time: np.ndarray, step: np.ndarray, touch: np.ndarray | None,
        users: int, steps: int, window: int, strict: bool, names: list[str],
        user_base: int = ..., step_of: list[int] = ..., details: bool = ...
    ) -> _FunnelUsers: ...
    @staticmethod
    def period_start_day(index: int, period: str) -> int: ...

metrics: _Metrics

class _Control(ModuleType):
    @staticmethod
    def evaluate_kpi(
        interval: str, numerator: float, denominator: float, value: float, low: float,
        high: float, periods: float, target: float, higher: bool, series_x: list[float],
        series_y: list[float], deadline: float, as_of: float, alpha: float, level: float,
        period_numerator: list[float] = ..., period_denominator: list[float] = ...,
    ) -> dict: ...
    @staticmethod
    def p_chart(x: npt.ArrayLike, n: npt.ArrayLike, target: float, sigma: float, laney: bool = ...) -> dict: ...
    @staticmethod
    def u_chart(count: npt.ArrayLike, n: npt.ArrayLike, target: float, sigma: float, laney: bool = ...) -> dict: ...
    @staticmethod
    def ewma_chart(x: npt.ArrayLike, mu0: float, sd: float, lam: float, sigma: float) -> dict: ...
    @staticmethod
    def cusum_chart(x: npt.ArrayLike, mu0: float, sd: float, k: float, h: float) -> dict: ...

control: _Control

class _Attribution(ModuleType):
    # paths part (path builder, read_paths, heuristics, assists)
    @staticmethod
    def heuristic(
        offsets: npt.ArrayLike, steps: npt.ArrayLike, conversions: npt.ArrayLike,
        value: npt.ArrayLike, n_channels: int, model: str, direct: int = ...,
        half_life: float = ..., first_weight: float = ..., middle_weight: float = ...,
        last_weight: float = ...,
    ) -> dict[str, np.ndarray]: ...
    @staticmethod
    def assists(
        offsets: npt.ArrayLike, steps: npt.ArrayLike, conversions: npt.ArrayLike,
        value: npt.ArrayLike, n_channels: int, z: float,
    ) -> dict[str, np.ndarray]: ...
    class PathAccumulator:
        def __init__(self) -> None: ...
        def add(
            self, user: npt.ArrayLike, time: npt.ArrayLike, channel: npt.ArrayLike,
            conversion: npt.ArrayLike, value: npt.ArrayLike | None = ..., *,
            user_offset: int = ..., copy: bool = ...,
        ) -> None: ...
        def merge(self, other: _Attribution.PathAccumulator) -> None: ...
        @property
        def rows(self) -> int: ...
        def finish(
            self, channels: list[str], lookback: int | None = ..., max_length: int = ...,
            collapse_repeats: bool = ..., half_life: float | None = ..., *,
            presorted: bool = ...,
        ) -> dict: ...
    # models part (Markov chains, Shapley values)
    @staticmethod
    def markov(
        offsets: npt.ArrayLike, steps: npt.ArrayLike, conversions: npt.ArrayLike,
        value: npt.ArrayLike, nulls: npt.ArrayLike, n_channels: int, order: int = ...,
        use_nulls: bool = ..., iterative_above: int = ...,
    ) -> dict: ...
    @staticmethod
    def shapley(
        offsets: npt.ArrayLike, steps: npt.ArrayLike, conversions: npt.ArrayLike,
        value: npt.ArrayLike, nulls: npt.ArrayLike, n_channels: int, worth: str = ...,
        ordered: bool = ...,
    ) -> dict: ...
    # bootstrap part (seeded bootstrap over paths)
    @staticmethod
    def bootstrap(
        offsets: npt.ArrayLike, steps: npt.ArrayLike, conversions: npt.ArrayLike,
        value: npt.ArrayLike, nulls: npt.ArrayLike, n_channels: int, model: str = ...,
        replicates: int = ..., level: float = ..., seed: int = ..., unit: str = ...,
        order: int = ..., use_nulls: bool = ..., worth: str = ..., heuristic: str = ...,
        direct: int = ..., half_life: float = ..., first_weight: float = ...,
        middle_weight: float = ..., last_weight: float = ..., draws: bool = ...,
    ) -> dict: ...
    # encode part (path text to flat arrays)
    @staticmethod
    def parse_path_text(
        chunks: list[tuple[npt.ArrayLike, npt.ArrayLike]], sep: str = ..., wide: bool = ...,
    ) -> dict: ...
    @staticmethod
    def parse_path_lines(data: bytes, n: int, sep: str = ...) -> dict: ...
    ...

attribution: _Attribution

class _Budget(ModuleType):
    # transforms part (adstock, saturation)
    @staticmethod
    def adstock(
        x: npt.ArrayLike, kind: str, max_lag: int, normalise: bool, theta: list[float],
        peak: list[float], shape: list[float], scale: list[float],
    ) -> np.ndarray: ...
    @staticmethod
    def saturation(
        x: npt.ArrayLike, kind: str, half: list[float], shape: list[float], lam: list[float],
    ) -> np.ndarray: ...
    # allocate part (the exact allocator over concave Hill curves)
    @staticmethod
    def allocate(
        beta: list[float], half: list[float], shape: list[float], carry: list[float],
        lower: list[float], upper: list[float], total: float, objective: str, value: float,
    ) -> dict: ...
    @staticmethod
    def scale_limits(
        beta: list[float], half: list[float], shape: list[float], carry: list[float],
        lower: list[float], upper: list[float], break_even_cpa: float,
    ) -> list[float]: ...

    # mmm part (the marketing-mix model: register_budget_mmm.cpp)

budget: _Budget

class _Customer(ModuleType):
    # summary part (customer summaries and RFM)
    class SummaryAccumulator:
        def __init__(
            self, period: str = ..., end_day: int | None = ..., holdout_end_day: int | None = ...,
            has_value: bool = ..., refunds: bool = ..., ticks_per_day: int = ...,
        ) -> None: ...
        def add(
            self, customer: npt.ArrayLike, time: npt.ArrayLike, value: npt.ArrayLike | None = ...,
            base: int = ...,
        ) -> None: ...
        def merge(self, other: _Customer.SummaryAccumulator, mapping: npt.ArrayLike | None = ...) -> None: ...
        def finish(self) -> dict: ...
        @property
        def rows(self) -> int: ...
        @property
        def codes(self) -> int: ...
    @staticmethod
    def rfm_scores(recency: npt.ArrayLike, frequency: npt.ArrayLike, monetary: npt.ArrayLike,
                   bins: int = ...) -> dict: ...
    @staticmethod
    def quantile_scores(x: npt.ArrayLike, bins: int = ..., lower_is_better: bool = ...) -> np.ndarray: ...

    # models part (BG/NBD, MBG/NBD, Gamma-Gamma and the optimiser)
    # Fits return the FitResult fields: names, params, standard_errors, covariance,
    # log_likelihood, objective, aic, bic, n, iterations, evaluations, gradient_norm,
    # converged, message. Predictions return {"value": (n,)[, "gradient": (n, k)]}.
    @staticmethod
    def bg_nbd_fit(
        frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike,
        weights: npt.ArrayLike | None = ..., penalizer: float = ..., max_iterations: int = ...,
        gradient_tolerance: float = ..., start: npt.ArrayLike | None = ...,
    ) -> dict: ...
    @staticmethod
    def bg_nbd_conditional_expected(
        params: npt.ArrayLike, t: npt.ArrayLike, frequency: npt.ArrayLike,
        recency: npt.ArrayLike, T: npt.ArrayLike, gradient: bool = ...,
    ) -> dict: ...
    @staticmethod
    def bg_nbd_prob_alive(
        params: npt.ArrayLike, frequency: npt.ArrayLike, recency: npt.ArrayLike,
        T: npt.ArrayLike, gradient: bool = ...,
    ) -> dict: ...
    @staticmethod
    def bg_nbd_expected_new(params: npt.ArrayLike, t: npt.ArrayLike, gradient: bool = ...) -> dict: ...
    @staticmethod
    def mbg_nbd_fit(
        frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike,
        weights: npt.ArrayLike | None = ..., penalizer: float = ..., max_iterations: int = ...,
        gradient_tolerance: float = ..., start: npt.ArrayLike | None = ...,
    ) -> dict: ...
    @staticmethod
    def mbg_nbd_conditional_expected(
        params: npt.ArrayLike, t: npt.ArrayLike, frequency: npt.ArrayLike,
        recency: npt.ArrayLike, T: npt.ArrayLike, gradient: bool = ...,
    ) -> dict: ...
    @staticmethod
    def mbg_nbd_prob_alive(
        params: npt.ArrayLike, frequency: npt.ArrayLike, recency: npt.ArrayLike,
        T: npt.ArrayLike, gradient: bool = ...,
    ) -> dict: ...
    @staticmethod
    def mbg_nbd_expected_new(params: npt.ArrayLike, t: npt.ArrayLike, gradient: bool = ...) -> dict: ...
    @staticmethod
    def gamma_gamma_fit(
        frequency: npt.ArrayLike, monetary: npt.ArrayLike, weights: npt.ArrayLike | None = ...,
        penalizer: float = ..., max_iterations: int = ..., gradient_tolerance: float = ...,
        start: npt.ArrayLike | None = ...,
    ) -> dict: ...
    @staticmethod
    def gamma_gamma_expected_spend(
        params: npt.ArrayLike, frequency: npt.ArrayLike, monetary: npt.ArrayLike,
        gradient: bool = ...,
    ) -> dict: ...
    @staticmethod
    def bg_nbd_prob_n(
        params: npt.ArrayLike, n: npt.ArrayLike, t: npt.ArrayLike, gradient: bool = ...
    ) -> dict: ...
    @staticmethod
    def mbg_nbd_prob_n(
        params: npt.ArrayLike, n: npt.ArrayLike, t: npt.ArrayLike, gradient: bool = ...
    ) -> dict: ...

    # pareto part (Pareto/NBD, BG/BB, 2F1)
    # Fits return the FitResult fields (as the models part); predictions return
    # {"value": (n,)[, "gradient": (n, 4)]}; hyp2f1 returns value, log_abs and sign.
    @staticmethod
    def hyp2f1(
        a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike, z: npt.ArrayLike
    ) -> dict[str, np.ndarray]: ...
    @staticmethod
    def pareto_nbd_fit(
        frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike,
        weights: npt.ArrayLike | None = ..., penalizer: float = ..., max_iterations: int = ...,
        gradient_tolerance: float = ..., start: npt.ArrayLike | None = ...,
    ) -> dict: ...
    @staticmethod
    def pareto_nbd_log_likelihood(
        params: npt.ArrayLike, frequency: npt.ArrayLike, recency: npt.ArrayLike,
        T: npt.ArrayLike, gradient: bool = ...,
    ) -> dict: ...
    @staticmethod
    def pareto_nbd_prob_alive(
        params: npt.ArrayLike, frequency: npt.ArrayLike, recency: npt.ArrayLike,
        T: npt.ArrayLike, gradient: bool = ...,
    ) -> dict: ...
    @staticmethod
    def pareto_nbd_conditional_expected(
        params: npt.ArrayLike, t: npt.ArrayLike, frequency: npt.ArrayLike,
        recency: npt.ArrayLike, T: npt.ArrayLike, gradient: bool = ...,
    ) -> dict: ...
    @staticmethod
    def pareto_nbd_expected_sum(
        params: npt.ArrayLike, t: npt.ArrayLike, weights: npt.ArrayLike,
        frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike,
        gradient: bool = ...,
    ) -> dict: ...
    @staticmethod
    def pareto_nbd_expected_new(
        params: npt.ArrayLike, t: npt.ArrayLike, gradient: bool = ...
    ) -> dict: ...
    @staticmethod
    def pareto_nbd_prob_n(
        params: npt.ArrayLike, n: npt.ArrayLike, t: npt.ArrayLike, gradient: bool = ...
    ) -> dict: ...
    @staticmethod
    def bgbb_fit(
        frequency: npt.ArrayLike, recency: npt.ArrayLike, n_periods: npt.ArrayLike,
        weights: npt.ArrayLike | None = ..., penalizer: float = ..., max_iterations: int = ...,
        gradient_tolerance: float = ..., start: npt.ArrayLike | None = ...,
    ) -> dict: ...
    @staticmethod
    def bgbb_log_likelihood(
        params: npt.ArrayLike, frequency: npt.ArrayLike, recency: npt.ArrayLike,
        n_periods: npt.ArrayLike, gradient: bool = ...,
    ) -> dict: ...
    @staticmethod
    def bgbb_prob_alive(
        params: npt.ArrayLike, frequency: npt.ArrayLike, recency: npt.ArrayLike,
        n_periods: npt.ArrayLike, m_periods: npt.ArrayLike, gradient: bool = ...,
    ) -> dict: ...
    @staticmethod
    def bgbb_conditional_expected(
        params: npt.ArrayLike, t: npt.ArrayLike, frequency: npt.ArrayLike,
        recency: npt.ArrayLike, n_periods: npt.ArrayLike, gradient: bool = ...,
    ) -> dict: ...
    @staticmethod
    def bgbb_expected_new(params: npt.ArrayLike, t: npt.ArrayLike, gradient: bool = ...) -> dict: ...
    @staticmethod
    def bgbb_prob_n(
        params: npt.ArrayLike, n: npt.ArrayLike, t: npt.ArrayLike, gradient: bool = ...
    ) -> dict: ...

customer: _Customer
