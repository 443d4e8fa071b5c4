// sostac/attribution/markov.hpp: Markov-chain removal effects and Shapley values (models part).
#pragma once
/// Markov-chain attribution of order 1 to 4, solved exactly (Anderl, Becker, von
/// Wangenheim and Schumann 2016, "Mapping the customer journey"; the chain as
/// ChannelAttribution's markov_model forms it). The states are (start), the channel
/// tuples a journey passes through, (conversion) and (null):
///   - order k: a path c1 > ... > cL visits the sliding windows (c1..ck), (c2..ck+1),
///     ..., (cL-k+1..cL); a path shorter than k visits one state, the whole path;
///   - consecutive equal states are merged (a > a > b is start -> a -> b at order 1),
///     as ChannelAttribution does, so the chain has no self-loops;
///   - each path adds its weight w = conversions + nulls (nulls only with use_nulls)
///     to start -> s1 -> ... -> sm, then `conversions` to sm -> (conversion) and
///     `nulls` to sm -> (null). Without use_nulls (ChannelAttribution without var_null)
///     w = conversions, paths without conversions are ignored and P(conversion) = 1.
/// Transition probabilities are the counts over each state's total out-count. The
/// absorption probability x = P(conversion | state) solves (I - Q) x = r, Q the
/// transient part, r the one-step conversion probabilities (sparse LU, no
/// simulation; above markov_options::iterative_above states an adjoint BiCGSTAB
/// solve, see detail::markov_iterative). Removing channel c sends every state that
/// contains c to (null):
///   RE_c = 1 - P_{-c}(conversion from start) / P(conversion from start),
/// which is the share of converting journeys of the chain that pass through c (what
/// ChannelAttribution estimates by simulating journeys). Attributed conversions are
/// total * RE_c / sum_d RE_d. Value: the same system with r_s = (value of the
/// conversions that leave from s) / out-count(s) gives the expected value of a
/// journey; its removal effects split the total value (ChannelAttribution draws a
/// journey's value from the values seen at its last state, the same in expectation).

#include <sostac/attribution/path_table.hpp>
#include <sostac/attribution/shapley_values.hpp>
#include <sostac/core/parallel.hpp>

#include <Eigen/IterativeLinearSolvers>
#include <Eigen/SparseCore>
#include <Eigen/SparseLU>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sostac::attribution {

struct markov_options {
  int order = 1;          ///< 1..4
  bool use_nulls = true;  ///< ChannelAttribution's var_null given
  /// Chains with more transient states than this are solved iteratively (see
  /// detail::markov_iterative); smaller ones by sparse LU.
  std::size_t iterative_above = 1000;
  double ilu_droptol = 1e-3;  ///< the iteration's incomplete LU: drop tolerance
  int ilu_fill = 1;           ///< and fill factor
};

/// The chain and its removal effects. States: 0 = (start), 1..n_states = channel
/// tuples (state s has channels state_channels[state_offsets[s-1] .. state_offsets[s])),
/// n_states + 1 = (conversion), n_states + 2 = (null).
struct markov_result {
  int order = 1;
  bool use_nulls = true;
  std::size_t n_channels = 0, n_states = 0;
  std::vector<std::uint64_t> state_offsets{0};
  std::vector<std::int32_t> state_channels;
  /// Non-zero transitions sorted by (from, to): raw weighted counts and probabilities.
  std::vector<std::int32_t> from, to;
  std::vector<double> count, probability;
  double conversion_probability = 0;  ///< P(conversion) from (start)
  double expected_value = 0;          ///< expected conversion value of a journey
  double total_conversions = 0, total_value = 0;
  /// Per channel: removal effects (conversions, value) and the attributed totals.
  std::vector<double> removal_effect, value_removal_effect, conversions, value;
};

namespace detail {

/// Absorption into (conversion) from (start) and the expected value, with the states
/// flagged in `removed` sent to (null). Only the states reachable from (start) without
/// passing a removed one enter the system (the others cannot change x at (start)),
/// which keeps the factorizations of the removal solves small. `first[s]` indexes the
/// transitions leaving s (they are sorted by from).
inline std::pair<double, double> markov_solve(std::size_t n_transient,
                                              const std::vector<std::uint64_t>& first,
                                              const std::vector<std::int32_t>& to,
                                              const std::vector<double>& prob,
                                              const std::vector<double>& conv_rhs,
                                              const std::vector<double>& value_rhs,
                                              const std::vector<char>* removed) {
  using sp = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;
  // Reachable kept states, numbered in order of discovery from (start) = 0.
  std::vector<std::int32_t> index(n_transient, -1), order;
  order.reserve(n_transient);
  index[0] = 0;
  order.push_back(0);
  for (std::size_t q = 0; q < order.size(); ++q) {
    const auto f = static_cast<std::size_t>(order[q]);
    for (std::uint64_t e = first[f]; e < first[f + 1]; ++e) {
      const auto t = static_cast<std::size_t>(to[e]);
      if (t >= n_transient || index[t] >= 0 || (removed && (*removed)[t])) continue;
      index[t] = static_cast<std::int32_t>(order.size());
      order.push_back(to[e]);
    }
  }
  const auto n = static_cast<Eigen::Index>(order.size());
  std::vector<Eigen::Triplet<double, int>> trip;
  trip.reserve(static_cast<std::size_t>(first[n_transient]) + order.size());
  Eigen::MatrixXd b(n, 2);
  for (std::size_t q = 0; q < order.size(); ++q) {
    const auto f = static_cast<std::size_t>(order[q]);
    trip.emplace_back(static_cast<int>(q), static_cast<int>(q), 1.0);
    for (std::uint64_t e = first[f]; e < first[f + 1]; ++e) {
      const auto t = static_cast<std::size_t>(to[e]);
      if (t >= n_transient || index[t] < 0) continue;  // absorbing, removed
      trip.emplace_back(static_cast<int>(q), index[t], -prob[e]);
    }
    b(static_cast<Eigen::Index>(q), 0) = conv_rhs[f];
    b(static_cast<Eigen::Index>(q), 1) = value_rhs[f];
  }
  sp a(n, n);
  a.setFromTriplets(trip.begin(), trip.end());
  Eigen::SparseLU<sp, Eigen::COLAMDOrdering<int>> lu;
  lu.analyzePattern(a);
  lu.factorize(a);
  if (lu.info() != Eigen::Success)
    throw std::runtime_error("markov: the absorbing chain's system is singular");
  const Eigen::MatrixXd x = lu.solve(b);
  return {x(0, 0), x(0, 1)};
}

/// The incomplete LU of the full chain's system, shared as the preconditioner of
/// every removal system (which differ from it in the removed rows only).
struct shared_preconditioner {
  const Eigen::IncompleteLUT<double, int>* ilu = nullptr;
  template <class M>
  shared_preconditioner& analyzePattern(const M&) { return *this; }
  template <class M>
  shared_preconditioner& factorize(const M&) { return *this; }
  template <class M>
  shared_preconditioner& compute(const M&) { return *this; }
  template <class R>
  auto solve(const Eigen::MatrixBase<R>& b) const { return ilu->solve(b); }
  Eigen::ComputationInfo info() const noexcept { return Eigen::Success; }
};

/// Large chains: x_start = y . b with (I - Q)^T y = e_start (y: the expected visits
/// of each state), one solve giving both right-hand sides (conversions, value); a
/// removal replaces the removed states' rows by x_s = 0 (so b_s = 0 there). BiCGSTAB
/// preconditioned with the incomplete LU of the full chain's transposed system, to a
/// relative residual of 1e-14, checked again on the result (above 1e-11 the sparse LU
/// decides). Direct factorisations of the chains of higher orders over many channels
/// fill in to dense matrices (every state reaches every other in k steps), which the
/// iteration avoids; each solve is sequential, so results do not depend on the thread
/// count.
struct markov_iterative {
  using sp = Eigen::SparseMatrix<double, Eigen::RowMajor, int>;
  sp a;  // I - Q
  Eigen::IncompleteLUT<double, int> ilu;  // of (I - Q)^T
  Eigen::VectorXd conv, value;
  bool ok = false;

  markov_iterative(std::size_t n, const std::vector<std::uint64_t>& first,
                   const std::vector<std::int32_t>& to, const std::vector<double>& prob,
                   const std::vector<double>& conv_rhs, const std::vector<double>& value_rhs,
                   double droptol, int fill) {
    std::vector<Eigen::Triplet<double, int>> trip;
    trip.reserve(static_cast<std::size_t>(first[n]) + n);
    for (std::size_t f = 0; f < n; ++f) {
      trip.emplace_back(static_cast<int>(f), static_cast<int>(f), 1.0);
      for (std::uint64_t e = first[f]; e < first[f + 1]; ++e)
        if (static_cast<std::size_t>(to[e]) < n)
          trip.emplace_back(static_cast<int>(f), to[e], -prob[e]);
    }
    a.resize(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
    a.setFromTriplets(trip.begin(), trip.end());
    a.makeCompressed();
    conv = Eigen::Map<const Eigen::VectorXd>(conv_rhs.data(), static_cast<Eigen::Index>(n));
    value = Eigen::Map<const Eigen::VectorXd>(value_rhs.data(), static_cast<Eigen::Index>(n));
    ilu.setDroptol(droptol);
    ilu.setFillfactor(fill);
    const sp at = a.transpose();
    ilu.compute(at);
    ok = ilu.info() == Eigen::Success;
  }

  /// (x_start for conversions, for value); converged = false when the check failed.
  std::pair<double, double> solve(const std::vector<char>* removed, bool& converged) const {
    sp m = a;
    if (removed) {
      for (Eigen::Index r = 0; r < m.outerSize(); ++r) {
        if (!(*removed)[static_cast<std::size_t>(r)]) continue;
        for (sp::InnerIterator it(m, r); it; ++it)
          if (it.col() != r) it.valueRef() = 0.0;
      }
    }
    const sp mt = m.transpose();
    Eigen::VectorXd e0 = Eigen::VectorXd::Zero(m.rows());
    e0[0] = 1.0;
    Eigen::BiCGSTAB<sp, shared_preconditioner> solver;
    solver.preconditioner().ilu = &ilu;
    solver.setTolerance(1e-14);
    solver.setMaxIterations(5000);
    solver.compute(mt);
    const Eigen::VectorXd y = solver.solve(e0);
    converged = (e0 - mt * y).norm() <= 1e-11;
    double xc = 0, xv = 0;
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
      if (removed && (*removed)[static_cast<std::size_t>(r)]) continue;  // b_s = 0
      xc += y[r] * conv[r];
      xv += y[r] * value[r];
    }
    return {xc, xv};
  }
};

}  // namespace detail

/// The Markov chain of the path table and its removal effects (see the file comment).
/// Deterministic: the same numbers for any thread count.
inline markov_result markov(const path_table_view& t, const markov_options& opt = {}) {
  if (opt.order < 1 || opt.order > 4)
    throw input_error("order", "expected 1, 2, 3 or 4, got " + std::to_string(opt.order));
  check_path_table(t);
  if (t.n == 0) throw input_error("paths", "the path table is empty");
  const std::size_t C = t.n_channels;
  const int k = opt.order;
  if (k > 1 && C + 1 >= 65536)
    throw input_error("order", "orders above 1 take at most 65534 channels, got " +
                                   std::to_string(C));
  markov_result res;
  res.order = k;
  res.use_nulls = opt.use_nulls;
  res.n_channels = C;
  for (std::size_t i = 0; i < t.n; ++i) {
    res.total_conversions += t.conversions[i];
    res.total_value += t.value[i];
  }
  if (!(res.total_conversions > 0))
    throw input_error("conversions", "the path table has no conversions; Markov "
                                     "attribution needs at least one converting path");

  // States. Order 1: channel c is state c + 1. Higher orders: tuples numbered in order
  // of first appearance, keyed by the base-(C+1) number of their codes + 1.
  std::vector<std::int32_t> seq;  // state sequence of every path, merged repeats
  std::vector<std::uint64_t> seq_off(t.n + 1, 0);
  seq.reserve(static_cast<std::size_t>(t.offsets[t.n]));
  if (k == 1) {
    for (std::size_t c = 0; c < C; ++c) {
      res.state_channels.push_back(static_cast<std::int32_t>(c));
      res.state_offsets.push_back(c + 1);
    }
    for (std::size_t i = 0; i < t.n; ++i) {
      std::int32_t last = 0;
      for (std::uint64_t j = t.offsets[i]; j < t.offsets[i + 1]; ++j) {
        const std::int32_t s = t.steps[j] + 1;
        if (s != last) seq.push_back(s);
        last = s;
      }
      seq_off[i + 1] = seq.size();
    }
  } else {
    // The tuple numbers index a table when (C+1)^k is at most 4M, else a hash map.
    std::uint64_t span = 1;
    for (int q = 0; q < k && span <= (std::uint64_t{1} << 22); ++q) span *= C + 1;
    const bool table = span <= (std::uint64_t{1} << 22);
    std::vector<std::int32_t> table_ids(table ? span : 0, 0);  // 0: not seen
    std::unordered_map<std::uint64_t, std::int32_t> ids;
    if (!table) ids.reserve(1024);
    std::int32_t n_ids = 0;
    for (std::size_t i = 0; i < t.n; ++i) {
      const std::size_t len = static_cast<std::size_t>(t.offsets[i + 1] - t.offsets[i]);
      const std::int32_t* p = t.steps + t.offsets[i];
      const std::size_t w = std::min<std::size_t>(len, static_cast<std::size_t>(k));
      const std::size_t windows = len - w + 1;
      std::int32_t last = 0;
      for (std::size_t s0 = 0; s0 < windows; ++s0) {
        std::uint64_t key = 0;
        for (std::size_t q = 0; q < w; ++q)
          key = key * (C + 1) + static_cast<std::uint64_t>(p[s0 + q]) + 1;
        std::int32_t* slot;
        if (table) {
          slot = &table_ids[key];
        } else {
          slot = &ids.try_emplace(key, 0).first->second;
        }
        if (*slot == 0) {
          *slot = ++n_ids;
          res.state_channels.insert(res.state_channels.end(), p + s0, p + s0 + w);
          res.state_offsets.push_back(res.state_channels.size());
        }
        if (*slot != last) seq.push_back(*slot);
        last = *slot;
      }
      seq_off[i + 1] = seq.size();
    }
  }
  const std::size_t S = res.state_offsets.size() - 1;
  res.n_states = S;
  const std::size_t N = S + 3;  // with start, conversion, null
  const auto conv_state = static_cast<std::int32_t>(S + 1);
  const auto null_state = static_cast<std::int32_t>(S + 2);

  // Transition counts. The state after s is fixed by s and the channel of the next
  // touch (order 1: that channel; order k: s's last k - 1 channels and it), so the
  // counts leaving s have C + 2 slots (channels, conversion, null) when (S + 1) x
  // (C + 2) fits in 16M cells; else a hash map keyed by (from, to).
  std::vector<double> end_value(S + 1, 0.0);  // value of conversions leaving each state
  const std::size_t W = C + 2;
  const bool slotted = (S + 1) * W <= (std::size_t{1} << 24);
  std::vector<double> cells(slotted ? (S + 1) * W : 0, 0.0), start_cells(slotted ? S + 1 : 0, 0.0);
  std::vector<std::int32_t> succ(slotted ? (S + 1) * W : 0, 0), last_channel(S + 1, 0);
  for (std::size_t st = 1; st <= S; ++st)
    last_channel[st] = res.state_channels[static_cast<std::size_t>(res.state_offsets[st] - 1)];
  std::unordered_map<std::uint64_t, double> sparse_cells;
  auto add = [&](std::int32_t f, std::int32_t to, double w) {
    if (slotted) {
      if (f == 0) {  // (start) -> a transient state (paths are not empty)
        start_cells[static_cast<std::size_t>(to)] += w;
        return;
      }
      const std::size_t slot = to == conv_state   ? C
                               : to == null_state ? C + 1
                                                  : static_cast<std::size_t>(last_channel[static_cast<std::size_t>(to)]);
      const std::size_t cell = static_cast<std::size_t>(f) * W + slot;
      if (succ[cell] != to) {
        if (succ[cell] != 0) throw std::logic_error("markov: two successors in one slot");
        succ[cell] = to;
      }
      cells[cell] += w;
    } else {
      sparse_cells[static_cast<std::uint64_t>(f) * N + static_cast<std::uint64_t>(to)] += w;
    }
  };
  for (std::size_t i = 0; i < t.n; ++i) {
    const double cv = t.conversions[i], nu = opt.use_nulls ? t.nulls[i] : 0.0;
    const double w = cv + nu;
    if (!(w > 0)) continue;
    std::int32_t prev = 0;
    for (std::uint64_t j = seq_off[i]; j < seq_off[i + 1]; ++j) {
      add(prev, seq[j], w);
      prev = seq[j];
    }
    if (cv > 0) {
      add(prev, conv_state, cv);
      end_value[static_cast<std::size_t>(prev)] += t.value[i];
    }
    if (nu > 0) add(prev, null_state, nu);
  }
  std::vector<std::uint64_t> keys;  // from * N + to, ascending
  std::vector<double> key_count;
  if (slotted) {
    for (std::size_t st = 1; st <= S; ++st)
      if (start_cells[st] != 0) {
        keys.push_back(st);
        key_count.push_back(start_cells[st]);
      }
    std::vector<std::pair<std::int32_t, double>> row;
    for (std::size_t f = 1; f <= S; ++f) {
      row.clear();
      for (std::size_t slot = 0; slot < W; ++slot)
        if (cells[f * W + slot] != 0) row.emplace_back(succ[f * W + slot], cells[f * W + slot]);
      std::sort(row.begin(), row.end());
      for (const auto& [to, c] : row) {
        keys.push_back(static_cast<std::uint64_t>(f) * N + static_cast<std::uint64_t>(to));
        key_count.push_back(c);
      }
    }
  } else {
    keys.reserve(sparse_cells.size());
    for (const auto& kv : sparse_cells) keys.push_back(kv.first);
    std::sort(keys.begin(), keys.end());
    key_count.reserve(keys.size());
    for (std::uint64_t key : keys) key_count.push_back(sparse_cells[key]);
  }
  std::vector<double> out(S + 1, 0.0);
  res.from.reserve(keys.size());
  res.to.reserve(keys.size());
  res.count.reserve(keys.size());
  for (std::size_t e = 0; e < keys.size(); ++e) {
    const std::uint64_t key = keys[e];
    const double c = key_count[e];
    res.from.push_back(static_cast<std::int32_t>(key / N));
    res.to.push_back(static_cast<std::int32_t>(key % N));
    res.count.push_back(c);
    out[key / N] += c;
  }
  res.probability.resize(keys.size());
  std::vector<double> conv_rhs(S + 1, 0.0), value_rhs(S + 1, 0.0);
  for (std::size_t e = 0; e < keys.size(); ++e) {
    const auto f = static_cast<std::size_t>(res.from[e]);
    res.probability[e] = res.count[e] / out[f];
    if (res.to[e] == conv_state) {
      conv_rhs[f] = res.probability[e];
      value_rhs[f] = end_value[f] / out[f];
    }
  }

  // The full chain, then one solve per channel (independent, so any thread count
  // gives the same numbers).
  std::vector<std::uint64_t> first(S + 2, 0);  // transitions leaving s: [first[s], first[s+1])
  for (std::int32_t f : res.from) ++first[static_cast<std::size_t>(f) + 1];
  for (std::size_t s = 0; s <= S; ++s) first[s + 1] += first[s];
  std::unique_ptr<detail::markov_iterative> iter;
  if (S + 1 > opt.iterative_above) {
    iter = std::make_unique<detail::markov_iterative>(S + 1, first, res.to, res.probability,
                                                      conv_rhs, value_rhs, opt.ilu_droptol,
                                                      opt.ilu_fill);
    if (!iter->ok) iter.reset();
  }
  auto solve = [&](const std::vector<char>* removed) {
    if (iter) {
      bool converged = false;
      const auto x = iter->solve(removed, converged);
      if (converged) return x;
    }
    return detail::markov_solve(S + 1, first, res.to, res.probability, conv_rhs, value_rhs,
                                removed);
  };
  const auto full = solve(nullptr);
  res.conversion_probability = full.first;
  res.expected_value = full.second;
  // States containing each channel.
  std::vector<std::vector<std::int32_t>> holds(C);
  for (std::size_t s = 1; s <= S; ++s)
    for (std::uint64_t q = res.state_offsets[s - 1]; q < res.state_offsets[s]; ++q) {
      auto& h = holds[static_cast<std::size_t>(res.state_channels[q])];
      if (h.empty() || h.back() != static_cast<std::int32_t>(s))
        h.push_back(static_cast<std::int32_t>(s));
    }
  res.removal_effect.assign(C, 0.0);
  res.value_removal_effect.assign(C, 0.0);
  sostac::parallel_for(
      C,
      [&](std::size_t b, std::size_t e) {
        std::vector<char> removed(S + 1, 0);
        for (std::size_t c = b; c < e; ++c) {
          if (holds[c].empty()) continue;
          for (std::int32_t s : holds[c]) removed[static_cast<std::size_t>(s)] = 1;
          const auto without = solve(&removed);
          for (std::int32_t s : holds[c]) removed[static_cast<std::size_t>(s)] = 0;
          const double re = (full.first - without.first) / full.first;
          res.removal_effect[c] = std::min(1.0, std::max(0.0, re));
          res.value_removal_effect[c] =
              full.second != 0 ? (full.second - without.second) / full.second : 0.0;
        }
      },
      1);
  double sum_re = 0, sum_vre = 0;
  for (std::size_t c = 0; c < C; ++c) {
    sum_re += res.removal_effect[c];
    sum_vre += res.value_removal_effect[c];
  }
  res.conversions.assign(C, 0.0);
  res.value.assign(C, 0.0);
  for (std::size_t c = 0; c < C; ++c) {
    if (sum_re > 0) res.conversions[c] = res.total_conversions * res.removal_effect[c] / sum_re;
    if (sum_vre != 0) res.value[c] = res.total_value * res.value_removal_effect[c] / sum_vre;
  }
  return res;
}

}  // namespace sostac::attribution
