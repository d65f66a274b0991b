// The latency pass's instruments: the histogram's bounded relative error and its
// percentiles on known inputs, and the cycle timer's calibration against the steady clock.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>

#include "harness/cycle_timer.hpp"
#include "harness/latency_histogram.hpp"

namespace {

using testbed::cycle_timer;
using testbed::latency_histogram;
using value = latency_histogram::value;

// The bound the layout promises: 2^-sub_bucket_bits of the value.
constexpr double bound = 1.0 / static_cast<double>(latency_histogram::sub_buckets);

TEST(latency_histogram, small_values_are_exact) {
  for (value v = 0; v < latency_histogram::exact_limit; ++v) {
    const auto i = latency_histogram::index_of(v);
    EXPECT_EQ(latency_histogram::lowest_of(i), v);
    EXPECT_EQ(latency_histogram::highest_of(i), v);
  }
}

TEST(latency_histogram, every_bucket_holds_its_values_within_the_bound) {
  std::mt19937_64 rng(18);
  auto check = [](value v) {
    const auto i = latency_histogram::index_of(v);
    ASSERT_LT(i, latency_histogram::bucket_count);
    const value lo = latency_histogram::lowest_of(i);
    const value hi = latency_histogram::highest_of(i);
    ASSERT_LE(lo, v);
    ASSERT_GE(hi, v);
    // The reported value (hi) is off by at most hi - lo, under v / 64 (integers: exact).
    if (v == 0) {
      EXPECT_EQ(hi, lo);
    } else {
      EXPECT_LT((hi - lo) * latency_histogram::sub_buckets, v) << v;
    }
  };
  for (int e = 0; e < 64; ++e) {
    const value p = value{1} << e;
    check(p);
    check(p - 1);
    check(p + 1);
  }
  check(~value{0});
  for (int n = 0; n < 100'000; ++n) check(rng() >> (rng() % 64));
}

TEST(latency_histogram, buckets_are_contiguous) {
  for (std::size_t i = 1; i < latency_histogram::bucket_count; ++i)
    ASSERT_EQ(latency_histogram::lowest_of(i), latency_histogram::highest_of(i - 1) + 1) << i;
}

TEST(latency_histogram, percentiles_of_known_inputs) {
  latency_histogram h;
  EXPECT_EQ(h.percentile(50), 0u);
  for (value v = 1; v <= 10'000; ++v) h.record(v);
  EXPECT_EQ(h.count(), 10'000u);
  EXPECT_EQ(h.max(), 10'000u);
  EXPECT_EQ(h.min(), 1u);
  for (double q : {50.0, 90.0, 99.0, 99.9}) {
    const double truth = q * 100.0;  // the q-th percentile of 1..10000
    const double got = static_cast<double>(h.percentile(q));
    EXPECT_GE(got, truth) << q;  // never understated
    EXPECT_LT(got, truth * (1 + bound)) << q;
  }
  EXPECT_EQ(h.percentile(100), 10'000u);
}

TEST(latency_histogram, a_rare_slow_path_shows_in_the_tail_only) {
  // 990 fast calls of 20 ticks, 10 slow ones of 5000: p50 and p90 are the fast path,
  // p99.9 and max the slow one, p99 is the last fast sample (rank 990).
  latency_histogram h;
  h.record(20, 990);
  h.record(5000, 10);
  EXPECT_EQ(h.percentile(50), 20u);
  EXPECT_EQ(h.percentile(90), 20u);
  EXPECT_EQ(h.percentile(99), 20u);
  EXPECT_GE(h.percentile(99.9), 5000u);
  EXPECT_LE(static_cast<double>(h.percentile(99.9)), 5000 * (1 + bound));
  EXPECT_EQ(h.max(), 5000u);
}

TEST(latency_histogram, merge_is_recording_both) {
  latency_histogram a, b, both;
  for (value v = 0; v < 1000; ++v) {
    a.record(v * 7);
    both.record(v * 7);
    b.record(v * 13 + 5);
    both.record(v * 13 + 5);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.max(), both.max());
  EXPECT_EQ(a.min(), both.min());
  for (double q : {1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) EXPECT_EQ(a.percentile(q), both.percentile(q));
  a.clear();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.percentile(99), 0u);
}

TEST(cycle_timer, calibrated_against_the_steady_clock) {
  const double rate = cycle_timer::ticks_per_ns();
  EXPECT_GT(rate, 0.1);  // slower than 100 MHz: not a time-stamp counter
  EXPECT_LT(rate, 10.0);
  // A 5 ms busy wait measured both ways agrees to 5%.
  const auto c0 = std::chrono::steady_clock::now();
  const auto t0 = cycle_timer::start();
  while (std::chrono::steady_clock::now() - c0 < std::chrono::milliseconds(5)) {
  }
  const auto t1 = cycle_timer::stop();
  const auto c1 = std::chrono::steady_clock::now();
  const double steady = std::chrono::duration<double, std::nano>(c1 - c0).count();
  const double counted = cycle_timer::to_ns(static_cast<double>(t1 - t0));
  EXPECT_NEAR(counted, steady, 0.05 * steady);
}

TEST(cycle_timer, overhead_is_measured_and_small) {
  const auto overhead = cycle_timer::overhead_ticks();
  EXPECT_GT(overhead, 0u);
  EXPECT_LT(cycle_timer::to_ns(static_cast<double>(overhead)), 1000.0);
}

}  // namespace
