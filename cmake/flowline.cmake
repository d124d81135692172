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

# flowline_test(NAME SOURCES ... DEPS ... [NEEDS_PG | NEEDS_MAIL | NEEDS_RABBITMQ]): a GoogleTest
# binary registered with CTest; NEEDS_PG: its tests need the PostgreSQL test cluster (the `pg`
# fixture starts it first); NEEDS_MAIL: they need the test mail servers (the `mail` fixture);
# NEEDS_RABBITMQ: the RabbitMQ test node (the `rabbitmq` fixture).
function(flowline_test name)
  if(NOT FLOWLINE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "NEEDS_PG;NEEDS_MAIL;NEEDS_RABBITMQ" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  # The throw-away servers of ctest's fixtures (CMakeLists.txt): their tests find them through
  # one environment variable. One fixture per binary: gtest_discover_tests flattens list-valued
  # properties, so a second variable or fixture would not survive it.
  set(fixtures "")
  if(ARG_NEEDS_PG)
    list(APPEND fixtures pg)
    set(environment "${FLOWLINE_PG_TEST_ENV}")
  endif()
  if(ARG_NEEDS_MAIL)
    list(APPEND fixtures mail)
    set(environment "${FLOWLINE_MAIL_TEST_ENV}")
  endif()
  if(ARG_NEEDS_RABBITMQ)
    list(APPEND fixtures rabbitmq)
    set(environment "${FLOWLINE_RABBITMQ_TEST_ENV}")
  endif()
  list(LENGTH fixtures fixture_count)
  if(fixture_count GREATER 1)
    message(FATAL_ERROR "${name}: one of NEEDS_PG, NEEDS_MAIL, NEEDS_RABBITMQ per test binary "
                        "(${fixtures}); split the tests")
  elseif(fixture_count EQUAL 1)
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
      PROPERTIES FIXTURES_REQUIRED ${fixtures} ENVIRONMENT "${environment}")
  else()
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
      PROPERTIES ENVIRONMENT "FLOWLINE_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  endif()
endfunction()
