// What a row is, declared once by the code that implements it: every benchmark binary
// records each row it registers (name, kind, family, form, start, the strategy's traits,
// the design post's entry it stands for) and every metric it may write (harness/metrics.hpp)
// and puts both, as JSON, into its benchmark context ("testbed_manifest"). The scripts read
// rows and metrics from there and know none by name.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/design_post.hpp"
#include "harness/forms.hpp"
#include "harness/metrics.hpp"
#include "harness/strategy_contract.hpp"

namespace testbed {

// strategy: a frame strategy (what the testbed compares);
// baseline: a limit the strategies are measured against (the synchronous call, ...);
// peer: another library's task type, what a user would pick instead;
// device: a measuring device, a row that exists to explain another (never a winner).
enum class row_kind { strategy, baseline, peer, device };

inline constexpr std::string_view kind_name(row_kind k) {
  switch (k) {
    case row_kind::strategy:
      return "strategy";
    case row_kind::baseline:
      return "baseline";
    case row_kind::peer:
      return "peer";
    case row_kind::device:
      return "device";
  }
  return "unknown";
}

// A row that is not a strategy template: a baseline, a peer or a device, with one sentence
// saying what it is. Declared as a constant beside the code that runs it.
struct plain_row {
  std::string_view name;
  row_kind kind;
  std::string_view about;
  std::string_view role = {};  // see row_description::role
};

// Roles the report gives some rows: the row every strategy is compared with, and the limits.
namespace roles {
inline constexpr std::string_view reference = "reference";                  // box
inline constexpr std::string_view synchronous_limit = "synchronous_limit";  // no coroutine
inline constexpr std::string_view poll_limit = "poll_limit";                // no frame per call
inline constexpr std::string_view visible_coroutine = "visible_coroutine";  // frame may be elided
inline constexpr std::string_view devirtualized = "devirtualized";          // final class in sight
// A measuring device placing box's frames at the size of another family's frames
// (row_description::sized_like): the allocator's cost of a larger block, apart.
inline constexpr std::string_view sized_reference = "sized_reference";
// A measuring device placing frames at no cost (a bump pointer): the coroutine machinery apart.
inline constexpr std::string_view placement_limit = "placement_limit";
}  // namespace roles

struct row_description {
  std::string name;
  row_kind kind = row_kind::strategy;
  std::string family;           // the strategy without its form and start ("fallback")
  std::string form;             // "local", "sendable", or "" (no state that needs one)
  std::string start;            // "lazy" or "eager" (coroutine rows); "" for the others
  std::string role;             // roles:: above, or ""
  std::string allocator;        // the process allocator the row ran on ("" for the default)
  std::string design_key;       // the design post's entry (design_post.hpp): its id,
  std::string design_strategy;  // its name in the post
  std::string design_downside;
  std::string placement;  // where its frames go, or what the row is
  std::string sized_like;  // sized_reference devices: the family whose frame size they take
  std::optional<strategy_traits> traits;
  long object_bytes = -1;  // bytes added to each object / caller (-1: not measured)
  long caller_bytes = -1;
};

namespace detail {
inline std::map<std::string, row_description>& rows_registered() {
  static std::map<std::string, row_description> rows;
  return rows;
}
inline std::map<std::string, metric>& workload_metrics() {
  static std::map<std::string, metric> declared;
  return declared;
}
}  // namespace detail

template <class S>
constexpr std::string_view form_of() {
  if constexpr (requires { typename S::form; }) {
    return S::form::suffix.substr(1);  // "_local" -> "local"
  } else {
    return {};
  }
}

// The description of strategy S (eager<S> included: it declares lazy_strategy), or of a
// measuring device written against the strategy contract (it declares `kind`).
template <frame_strategy S>
row_description describe_strategy() {
  row_description d;
  if constexpr (requires { typename S::lazy_strategy; }) {  // eager<S>: S, started eagerly
    d = describe_strategy<typename S::lazy_strategy>();
    d.name = std::string(S::name);
    d.start = "eager";
  } else {
    d.name = std::string(S::name);
    // A measuring device written against the strategy contract declares its kind.
    if constexpr (requires { S::kind; }) d.kind = S::kind;
    if constexpr (requires { S::family; }) {
      d.family = std::string(S::family);
    } else {
      d.family = d.name;
    }
    d.form = std::string(form_of<S>());
    d.start = "lazy";
    if constexpr (requires { S::eager_start; }) d.start = S::eager_start ? "eager" : "lazy";
    if constexpr (requires { S::role; }) d.role = std::string(S::role);
    if constexpr (requires { S::sized_like; }) d.sized_like = std::string(S::sized_like);
    if constexpr (requires { S::design; }) {  // devices stand for no entry of the post
      d.design_key = std::string(S::design.id);
      d.design_strategy = std::string(S::design.strategy);
      d.design_downside = std::string(S::design.downside);
    }
    d.placement = std::string(S::placement);
    d.traits = S::traits;
  }
  return d;
}

inline row_description describe_plain(const plain_row& r) {
  row_description d;
  d.name = std::string(r.name);
  d.kind = r.kind;
  d.family = d.name;
  d.placement = std::string(r.about);
  d.role = std::string(r.role);
  return d;
}

// Records a row; the same name twice must describe the same row.
void declare_row(row_description d);
// The row's measured overheads (the composition root measures them, see bench_main.cpp).
void set_row_overhead(std::string_view name, long object_bytes, long caller_bytes);

// A metric a workload's benchmarks write besides harness/metrics.hpp's: a namespace-scope
// constant of this type, beside the benchmark that writes it, declares it before main.
class workload_metric {
 public:
  explicit workload_metric(const metric& m) : m_(m) {
    detail::workload_metrics().emplace(m.name, m);
  }
  const metric& get() const noexcept { return m_; }
  operator const metric&() const noexcept { return m_; }

 private:
  metric m_;
};

// {"rows": [...], "metrics": [...]}: every row registered and every metric declared.
std::string manifest_json();

}  // namespace testbed
