// The latency pass's instruments: the histogram's bounded relative error and its
// percentiles on known inputs, the cycle timer's calibration against the steady clock, and
// the counting pass's split of the samples by the slow-path events counted during each
// (exact counts).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>

#include "harness/alloc_counter.hpp"
#include "harness/cycle_timer.hpp"
#include "harness/latency_events.hpp"
#include "harness/latency_histogram.hpp"
#include "harness/latency_probe.hpp"

namespace {

using testbed::cycle_timer;
using testbed::latency_histogram;
using value = latency_histogram::value;

// The bound the layout promises: 2^-sub_bucket_bits of the value.
constexpr double bound = 1.0 / static_cast<double>(latency_histogram::sub_buckets);

// Keeps a pointer alive for the optimizer (a new/delete pair may otherwise be elided).
void benchmark_keep(int* p) { asm volatile("" : : "r"(p) : "memory"); }

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

TEST(latency_histogram, count_above_a_percentile_is_the_samples_above_it) {
  latency_histogram h;
  h.record(20, 900);
  h.record(5000, 90);
  h.record(9000, 10);
  EXPECT_EQ(h.count_above(h.percentile(90)), 100u);  // p90 is the fast path's bucket
  EXPECT_EQ(h.count_above(h.percentile(99)), 10u);   // p99 is 5000's bucket
  EXPECT_EQ(h.count_above(h.max()), 0u);
  EXPECT_EQ(h.count_above(0), 1000u);
}

// The split of known histograms: which samples above the p99 (and among the slowest
// slow_share) took the slow path.
TEST(latency_split, the_slowest_samples_are_the_slow_path_ones) {
  latency_histogram all, slow, fast;
  fast.record(20, 900);
  slow.record(5000, 100);
  all.merge(fast);
  all.merge(slow);
  const auto s = testbed::split_of(all, slow, fast);
  EXPECT_EQ(s.samples, 1000u);
  EXPECT_EQ(s.slow, 100u);
  EXPECT_DOUBLE_EQ(s.slow_share, 0.1);
  EXPECT_EQ(s.fast_p50, 20u);
  EXPECT_GE(s.slow_p50, 5000u);
  EXPECT_DOUBLE_EQ(s.slow_in_slowest, 1.0);
  EXPECT_DOUBLE_EQ(s.slow_above_p99, -1.0);  // the slowest 1% share p99's bucket
}

TEST(latency_split, a_tail_of_fast_path_samples_is_not_the_slow_path) {
  latency_histogram all, slow, fast;
  fast.record(20, 890);
  fast.record(9000, 10);  // ten fast-path samples slower than every slow-path one
  slow.record(5000, 100);
  all.merge(fast);
  all.merge(slow);
  const auto s = testbed::split_of(all, slow, fast);
  EXPECT_DOUBLE_EQ(s.slow_share, 0.1);
  EXPECT_DOUBLE_EQ(s.slow_above_p99, 0.0);   // above p99: the ten fast ones
  EXPECT_DOUBLE_EQ(s.slow_in_slowest, 0.0);  // above p90's bucket (5000): the ten fast ones
}

TEST(latency_split, every_sample_slow_leaves_the_ranking_undefined) {
  latency_histogram all, slow, fast;
  slow.record(300, 50);
  all.merge(slow);
  const auto s = testbed::split_of(all, slow, fast);
  EXPECT_DOUBLE_EQ(s.slow_share, 1.0);
  EXPECT_DOUBLE_EQ(s.slow_in_slowest, -1.0);
}

// An event source the test drives: the probe reads it around each sample.
struct test_events {
  static constexpr bool counted = true;
  const std::uint64_t* count;
  std::uint64_t read() const noexcept { return *count; }
};

TEST(split_latency_probe, sorts_each_sample_by_the_events_counted_during_it) {
  latency_histogram all, slow, fast;
  std::uint64_t events = 0;
  testbed::split_latency_probe<test_events> probe(all, slow, fast, test_events{&events});
  for (int i = 0; i < 1000; ++i) {
    probe.call([&] {
      if (i % 4 == 0) ++events;  // every 4th call takes the "slow path"
      return i;
    });
  }
  EXPECT_EQ(all.count(), 1000u);
  EXPECT_EQ(slow.count(), 250u);
  EXPECT_EQ(fast.count(), 750u);
  events += 7;  // between samples: counted in no sample
  probe.call([] { return 0; });
  EXPECT_EQ(slow.count(), 250u);
}

TEST(split_latency_probe, a_batch_is_slow_when_any_of_its_calls_is) {
  latency_histogram all, slow, fast;
  std::uint64_t events = 0;
  testbed::split_latency_probe<test_events> probe(all, slow, fast, test_events{&events}, 8);
  for (int i = 0; i < 800; ++i) {
    probe.call([&] {
      if (i % 16 == 3) ++events;  // one call in every other batch of 8
      return i;
    });
  }
  EXPECT_EQ(all.count(), 100u);
  EXPECT_EQ(slow.count(), 50u);
}

// The counting build's events: operator new on any thread (alloc_counter.hpp) and heap
// fallbacks (frame_stats.hpp); testbed_tests links the counting allocator.
TEST(slow_path_events, an_allocation_during_a_sample_makes_it_slow) {
  if constexpr (testbed::timing_build) GTEST_SKIP() << "a timing build counts nothing";
  latency_histogram all, slow, fast;
  testbed::split_latency_probe<testbed::slow_path_events> probe(all, slow, fast, {});
  for (int i = 0; i < 300; ++i) {
    probe.call([&] {
      if (i % 3 == 0) {
        auto* p = new int(i);
        benchmark_keep(p);
        delete p;
      }
      return i;
    });
  }
  EXPECT_EQ(all.count(), 300u);
  EXPECT_EQ(slow.count(), 100u);
  EXPECT_EQ(fast.count(), 200u);
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
