// Running flowline commands in a test as a user runs them: the arguments, the exit code, and
// what they print to stdout and stderr (captured).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace flowline::cli {

struct CommandResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// Parses `args` (without the program's name) with the commands `add` registers on the app;
// `add` receives the exit code the commands set.
inline CommandResult RunCommands(const std::function<void(CLI::App&, int&)>& add,
                                 std::vector<std::string> args) {
  CLI::App app{"flowline"};
  app.require_subcommand(1);
  CommandResult result;
  add(app, result.exit_code);
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    result.exit_code = app.exit(e);
  }
  result.out = ::testing::internal::GetCapturedStdout();
  result.err = ::testing::internal::GetCapturedStderr();
  return result;
}

}  // namespace flowline::cli
