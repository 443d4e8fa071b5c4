#pragma once
/// The SOSTAC lifecycle of a plan document: its stage (situation, objectives,
/// strategy, tactics, actions, control, then review), moving forward only when the
/// earlier stages validate without errors, the review that opens the next revision
/// with the Control results as its Situation baselines, and the diff between
/// revisions.

#include <sostac/core/config.hpp>
#include <sostac/core/error.hpp>
#include <sostac/plan/validate.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sostac::plan {

/// The stages in order; `plan.stage` is one of them.
inline constexpr std::array<const char*, 7> stages = {
    "situation", "objectives", "strategy", "tactics", "actions", "control", "review"};

namespace detail {

/// The index of `name` in `stages`, or stages.size().
SOSTAC_INLINE std::size_t stage_index(std::string_view name);

/// The stage whose section holds `path` ("objectives[0].kpi" -> objectives). The
/// situation, the plan header, the document itself and unknown top-level fields
/// count as the first stage: their errors block every move.
SOSTAC_INLINE std::size_t stage_of_path(const std::string& path);

SOSTAC_INLINE std::string describe(const finding& f);

}  // namespace detail

/// The stage a document has reached ("situation" when it records none).
SOSTAC_INLINE std::string stage_of(const json& doc);

/// The revision a document records (1 when it records none).
SOSTAC_INLINE long long revision_of(const json& doc);

/// Moves the document to stage `to` (the next stage when empty). Throws
/// input_error("to", ...) for an unknown stage, a stage that is not ahead of the
/// current one, or errors in the sections of the earlier stages or in the plan
/// header (the first five are listed). Returns the new stage.
SOSTAC_INLINE std::string advance(json& doc, std::string_view to = {});

/// Closes the Control stage: returns the next revision of `doc` (which is left
/// unchanged) at stage "situation", revision + 1, with each measured KPI value in
/// `results` as that KPI's baseline (dated `as_of`, from `source`; the previous
/// baseline moves into its history) and each objective on that KPI rebased.
/// `source` defaults to "control review of revision N". Throws input_error for an
/// empty `results`, a value that is not finite (naming `results['kpi']`) or an
/// `as_of` that is not a YYYY-MM-DD date.
SOSTAC_INLINE json review(const json& doc,
                          const std::vector<std::pair<std::string, double>>& results,
                          const std::string& as_of, std::string source = {});

/// One difference between two documents: the JSON path, the value before and the
/// value after (null where the value is absent).
struct change {
  std::string path;
  json before;
  json after;
};

namespace detail {

SOSTAC_INLINE void diff_into(const json& a, const json& b, const std::string& path,
                             std::vector<change>& out);

}  // namespace detail

/// The differences from `a` to `b`, depth first: keys in a's order then b's new
/// keys, list items by index.
SOSTAC_INLINE std::vector<change> diff(const json& a, const json& b);

}  // namespace sostac::plan

#ifdef SOSTAC_HEADER_ONLY
#include <sostac/plan/lifecycle-inl.hpp>
#endif
