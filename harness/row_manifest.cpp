// The row and metric registry of a benchmark binary, and its JSON (row_manifest.hpp).
#include "harness/row_manifest.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

namespace testbed {

namespace {

// A JSON string. Google Benchmark escapes quotes and backslashes of a context value but
// not control characters, so none may reach it raw.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

bool same_row(const row_description& a, const row_description& b) {
  return a.kind == b.kind && a.family == b.family && a.form == b.form && a.start == b.start &&
         a.role == b.role && a.allocator == b.allocator && a.design_key == b.design_key &&
         a.placement == b.placement;
}

std::string traits_json(const strategy_traits& t) {
  return fmt::format(
      "{{\"first_call_allocations\": {}, \"steady_allocations\": {}, \"max_frame_bytes\": {}, "
      "\"calls_per_object\": {}, \"calls_per_storage\": {}, \"frames_in_caller_storage\": {}, "
      "\"lifo_only\": {}, \"same_thread_release\": {}, \"needs_task_runtime\": {}}}",
      t.first_call_allocations, t.steady_allocations, t.max_frame_bytes, t.calls_per_object,
      t.calls_per_storage, t.frames_in_caller_storage, t.lifo_only, t.same_thread_release,
      t.needs_task_runtime);
}

std::string metric_json(const metric& m) {
  return fmt::format(
      "{{\"name\": {}, \"unit\": {}, \"digits\": {}, \"header\": {}, \"pass\": {}, "
      "\"meaning\": {}}}",
      quoted(m.name), quoted(m.unit), m.digits, quoted(m.header), quoted(pass_name(m.pass)),
      quoted(m.meaning));
}

}  // namespace

void declare_row(row_description d) {
  auto& rows = detail::rows_registered();
  const auto [it, added] = rows.emplace(d.name, d);
  if (!added && !same_row(it->second, d)) {
    std::fprintf(stderr, "testbed: row '%s' is declared twice with different descriptions\n",
                 d.name.c_str());
    std::abort();
  }
}

void set_row_overhead(std::string_view name, long object_bytes, long caller_bytes) {
  auto& rows = detail::rows_registered();
  if (auto it = rows.find(std::string(name)); it != rows.end()) {
    it->second.object_bytes = object_bytes;
    it->second.caller_bytes = caller_bytes;
  }
}

std::string manifest_json() {
  std::string out = "{\"rows\": [";
  bool first = true;
  for (const auto& [name, d] : detail::rows_registered()) {
    out += first ? "" : ", ";
    first = false;
    out += fmt::format(
        "{{\"name\": {}, \"kind\": {}, \"family\": {}, \"form\": {}, \"start\": {}, \"role\": {}, "
        "\"allocator\": {}, \"design_key\": {}, \"design_strategy\": {}, \"design_downside\": {}, "
        "\"placement\": {}, \"sized_like\": {}, "
        "\"object_bytes\": {}, \"caller_bytes\": {}, \"traits\": {}}}",
        quoted(d.name), quoted(kind_name(d.kind)), quoted(d.family), quoted(d.form),
        quoted(d.start), quoted(d.role), quoted(d.allocator), quoted(d.design_key),
        quoted(d.design_strategy), quoted(d.design_downside), quoted(d.placement), quoted(d.sized_like),
        d.object_bytes < 0 ? std::string("null") : std::to_string(d.object_bytes),
        d.caller_bytes < 0 ? std::string("null") : std::to_string(d.caller_bytes),
        d.traits ? traits_json(*d.traits) : std::string("null"));
  }
  out += "], \"metrics\": [";
  first = true;
  for (const metric* m : metrics::common) {
    out += (first ? "" : ", ") + metric_json(*m);
    first = false;
  }
  for (const auto& [name, m] : detail::workload_metrics()) out += ", " + metric_json(m);
  return out + "]}";
}

}  // namespace testbed
