// A log-bucketed histogram of non-negative integer samples (latencies in timer ticks), in
// HdrHistogram's manner: every power-of-two range is split into 2^sub_bucket_bits linear
// sub-buckets, so that any percentile comes out with a relative error under
// 2^-sub_bucket_bits, whatever the range of the samples, in a fixed, small table.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

namespace testbed {

class latency_histogram {
 public:
  using value = std::uint64_t;

  // Why 6: 64 sub-buckets per power of two bound the relative error of a reported value
  // by 1/64 (1.6%), below the run-to-run spread of any timed cell (docs/measured-spread.md),
  // and the whole table (the 64-bit range) is 3,776 counters, 30 KiB.
  static constexpr int sub_bucket_bits = 6;
  static constexpr value sub_buckets = value{1} << sub_bucket_bits;  // 64
  // Values below 2 * sub_buckets (128) have a bucket of their own: recorded exactly.
  static constexpr value exact_limit = 2 * sub_buckets;
  static constexpr int exact_bits = sub_bucket_bits + 1;
  static constexpr std::size_t bucket_count =
      static_cast<std::size_t>(exact_limit + (64 - exact_bits) * sub_buckets);

  latency_histogram() : counts_(bucket_count, 0) {}

  void record(value v, std::uint64_t times = 1) noexcept {
    counts_[index_of(v)] += times;
    count_ += times;
    max_ = std::max(max_, v);
    min_ = std::min(min_, v);
  }

  std::uint64_t count() const noexcept { return count_; }
  value max() const noexcept { return count_ ? max_ : 0; }
  value min() const noexcept { return count_ ? min_ : 0; }

  // The value at percentile q (0 < q <= 100): the smallest recorded value's bucket such
  // that at least q% of the samples are at or below it, reported as the bucket's highest
  // value (so a percentile never understates a latency), and never above max(). 0 when
  // empty.
  value percentile(double q) const noexcept {
    if (count_ == 0) return 0;
    const double wanted = std::ceil(q / 100.0 * static_cast<double>(count_));
    const std::uint64_t rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wanted));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(highest_of(i), max_);
    }
    return max_;
  }

  // How many samples lie in buckets whose lowest value exceeds v: exactly the samples above
  // v when v is a bucket's highest value (a percentile is), else those of the buckets
  // wholly above it.
  std::uint64_t count_above(value v) const noexcept {
    std::uint64_t n = 0;
    for (std::size_t i = index_of(v) + 1; i < counts_.size(); ++i) n += counts_[i];
    return n;
  }

  void merge(const latency_histogram& other) noexcept {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
  }

  void clear() noexcept {
    std::fill(counts_.begin(), counts_.end(), 0);
    count_ = 0;
    max_ = 0;
    min_ = ~value{0};
  }

  // The bucket layout, public for the tests: a value's bucket and the bucket's range.
  static std::size_t index_of(value v) noexcept {
    if (v < exact_limit) return static_cast<std::size_t>(v);
    const int e = std::bit_width(v) - 1;        // 2^e <= v < 2^(e+1), e >= exact_bits
    const int shift = e - sub_bucket_bits;      // bucket width 2^shift: 1/64 of 2^e
    const value sub = (v >> shift) - sub_buckets;  // 0 .. 63
    return static_cast<std::size_t>(exact_limit + static_cast<value>(e - exact_bits) * sub_buckets + sub);
  }
  static value lowest_of(std::size_t i) noexcept {
    if (i < exact_limit) return i;
    const value k = i - exact_limit;
    const int e = static_cast<int>(k / sub_buckets) + exact_bits;
    const int shift = e - sub_bucket_bits;
    return (sub_buckets + k % sub_buckets) << shift;
  }
  static value highest_of(std::size_t i) noexcept {
    if (i < exact_limit) return i;
    const int e = static_cast<int>((i - exact_limit) / sub_buckets) + exact_bits;
    return lowest_of(i) + ((value{1} << (e - sub_bucket_bits)) - 1);
  }

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  value max_ = 0;
  value min_ = ~value{0};
};

}  // namespace testbed
