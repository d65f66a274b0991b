// The strategy list as GoogleTest typed-test parameters, named after each strategy
// (so a failure reads "conformance/caller_cache_local.…", not "conformance/4.…").
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "strategies/strategy_list.hpp"

namespace testbed::testing {

template <class List>
struct to_gtest_types;
template <class... Ts>
struct to_gtest_types<type_list<Ts...>> {
  using type = ::testing::Types<Ts...>;
};

template <class List>
using to_gtest_types_t = typename to_gtest_types<List>::type;

using all_strategy_types = to_gtest_types<all_strategies>::type;

struct strategy_names {
  template <class S>
  static std::string GetName(int) {
    return std::string(S::name);
  }
};

}  // namespace testbed::testing
