// "Capabilities, not silence": a cell a strategy declares unsupported must really fail
// when forced, loudly (a frame_error, or a fatal misuse that aborts), never silently work
// and never corrupt memory. These helpers run the forced cell in a death test.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "harness/frame_error.hpp"

namespace testbed::testing {

// Runs fn; a frame_error it throws is printed and turned into an abort, so one death
// test covers both ways a strategy may refuse. Returning normally means the cell worked.
template <class Fn>
void run_forced_cell(Fn&& fn) {
  try {
    fn();
  } catch (const frame_error& e) {
    std::fprintf(stderr, "frame_error: %s\n", e.what());
    std::fflush(stderr);
    std::abort();
  }
}

}  // namespace testbed::testing

// EXPECT_CELL_FAILS(statement): the statement must end in a frame_error or a fatal misuse.
#define EXPECT_CELL_FAILS(statement)                                                     \
  do {                                                                                   \
    GTEST_FLAG_SET(death_test_style, "threadsafe");                                      \
    EXPECT_DEATH(::testbed::testing::run_forced_cell([&] { statement; }),                \
                 "frame_error: |fatal misuse: ");                                        \
  } while (false)
