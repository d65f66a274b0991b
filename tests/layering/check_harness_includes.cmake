# The layering rule of harness/: it includes nothing from strategies/ or workloads/ (the
# harness defines the task, the strategy contract and the measuring tools; strategies and
# workloads build on it, never the reverse). Composition roots, the files that put the layers
# together into a program, are the exception: harness/bench_main.cpp and
# harness/print_overhead.cpp. Run by ctest as `cmake -DROOT=<source dir> -P <this file>`;
# fails naming every offending line.
cmake_minimum_required(VERSION 3.25)
if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<source dir> -P check_harness_includes.cmake")
endif()
set(composition_roots bench_main.cpp print_overhead.cpp)
file(GLOB harness_files "${ROOT}/harness/*.hpp" "${ROOT}/harness/*.cpp")
set(offending "")
foreach(path IN LISTS harness_files)
  get_filename_component(name "${path}" NAME)
  if(name IN_LIST composition_roots)
    continue()
  endif()
  file(STRINGS "${path}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<](strategies|workloads)/")
  foreach(line IN LISTS lines)
    string(STRIP "${line}" line)
    string(APPEND offending "  harness/${name}: ${line}\n")
  endforeach()
endforeach()
if(offending)
  list(JOIN composition_roots ", " roots)
  message(FATAL_ERROR "harness/ must include nothing from strategies/ or workloads/ (only the "
                      "composition roots ${roots} may):\n${offending}")
endif()
list(LENGTH harness_files checked)
message(STATUS "harness/: ${checked} files, none includes strategies/ or workloads/")
