// The per-thread table of call sites behind scratch_space, and its cold paths.
#include "strategies/scratch_space/scratch_space.hpp"

#include <array>
#include <cstring>
#include <functional>

namespace testbed::detail::scratch_impl {

namespace {

// 64 call sites per thread: far more than the workloads have; a full table is not an
// error, the extra call sites just always box.
constexpr std::size_t table_size = 64;

struct site_table {
  std::array<call_site, table_size> sites{};
  ~site_table() {
    for (auto& s : sites) {
      if (s.block != nullptr) ::operator delete(s.block, s.capacity);
    }
  }
};

site_table& table() {
  static thread_local site_table t;
  return t;
}

bool same_place(const call_site& s, const std::source_location& w) {
  return s.line == w.line() && s.column == w.column() &&
         (s.file == w.file_name() || std::strcmp(s.file, w.file_name()) == 0);
}

}  // namespace

call_site* site_for(const std::source_location& where) noexcept {
  auto& sites = table().sites;
  // Open addressing on the line and column: a call site is found in one or two probes.
  std::size_t i = (where.line() * 31u + where.column()) % table_size;
  for (std::size_t probe = 0; probe < table_size; ++probe, i = (i + 1) % table_size) {
    call_site& s = sites[i];
    if (s.file == nullptr) {
      s.file = where.file_name();
      s.line = where.line();
      s.column = where.column();
      return &s;
    }
    if (same_place(s, where)) return &s;
  }
  return nullptr;
}

void grow(call_site& site, std::size_t bytes) {
  void* bigger = ::operator new(bytes);
  if (site.block != nullptr) ::operator delete(site.block, site.capacity);
  site.block = bigger;
  site.capacity = bytes;
}

void reset_this_thread() noexcept {
  for (call_site& s : table().sites) {
    if (s.block == nullptr || s.lent) continue;  // a lent block holds a live frame: it stays
    ::operator delete(s.block, s.capacity);
    s.block = nullptr;
    s.capacity = 0;
    s.largest_seen = 0;  // cold: the site learns its frame size again, as on a fresh thread
  }
}

}  // namespace testbed::detail::scratch_impl
