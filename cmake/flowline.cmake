# flowline_library(NAME SOURCES ... DEPS ...): one library target per subsystem.
# Dependencies follow DESIGN.md's arrows (down only); a wrong include fails to link.
function(flowline_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# flowline_use_fast_allocator(TARGET): link a program with tcmalloc (see CMakeLists.txt).
function(flowline_use_fast_allocator target)
  if(TARGET PkgConfig::TCMALLOC)
    target_link_libraries(${target} PRIVATE PkgConfig::TCMALLOC)
  endif()
endfunction()

# flowline_test(NAME SOURCES ... DEPS ... [NEEDS_PG]): a GoogleTest binary registered with CTest;
# NEEDS_PG: its tests need the PostgreSQL test cluster (the `pg` fixture starts it first).
function(flowline_test name)
  if(NOT FLOWLINE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "NEEDS_PG" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  if(ARG_NEEDS_PG)
    # Its tests use the throw-away PostgreSQL cluster of ctest's `pg` fixture (CMakeLists.txt).
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
      PROPERTIES FIXTURES_REQUIRED pg ENVIRONMENT "${FLOWLINE_PG_TEST_ENV}")
  else()
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
      PROPERTIES ENVIRONMENT "FLOWLINE_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  endif()
endfunction()
