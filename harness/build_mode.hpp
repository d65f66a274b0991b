// Which build this is: a counting build (tests, sanitizers, the matrix's counting, stack
// and reliability passes) keeps every piece of the testbed's bookkeeping; a timing build
// (-DTESTBED_TIMING_BUILD=1, the matrix's timing and callgrind passes) compiles it out, so
// that the timed path holds the call and nothing else:
//  - frame statistics (record_frame and friends, frame_stats.hpp),
//  - the counting global operator new (alloc_counting.cpp is not linked),
//  - the Local forms' run-time owner check (forms.hpp), which a language with Send/!Send
//    types (Rust) does at compile time.
#pragma once

#ifndef TESTBED_TIMING_BUILD
#define TESTBED_TIMING_BUILD 0
#endif

namespace testbed {

inline constexpr bool timing_build = TESTBED_TIMING_BUILD != 0;

}  // namespace testbed
