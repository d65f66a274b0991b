// A counted object in the style of cppcoro's lifetime tests: every construction and
// destruction is counted, so a test can prove nothing leaked and nothing died twice.
#pragma once

#include <gtest/gtest.h>

namespace testbed::testing {

struct counted {
  static inline int constructed = 0;
  static inline int destroyed = 0;
  static int alive() { return constructed - destroyed; }
  static void reset() { constructed = destroyed = 0; }

  int id;
  explicit counted(int i = 0) : id(i) { ++constructed; }
  counted(const counted& other) : id(other.id) { ++constructed; }
  counted(counted&& other) noexcept : id(other.id) { ++constructed; }
  counted& operator=(const counted&) = default;
  counted& operator=(counted&&) noexcept = default;
  ~counted() {
    // A second destruction of the same object would show up as destroyed > constructed.
    ++destroyed;
  }
};

// Resets the counters before a test and checks the balance after it.
class counted_test : public ::testing::Test {
 protected:
  void SetUp() override { counted::reset(); }
  void TearDown() override {
    EXPECT_EQ(counted::alive(), 0) << "counted objects leaked or destroyed twice";
  }
};

}  // namespace testbed::testing
