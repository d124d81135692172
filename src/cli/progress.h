// A one-line progress bar on stderr (only when stderr is a terminal).
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace flowline::cli {

class ProgressBar {
 public:
  ProgressBar(std::string what, int64_t total);
  // Redraws at most every 100 ms (always when done == total).
  void Update(int64_t done, const std::string& detail = "");
  // Ends the line.
  void Finish();

 private:
  std::string what_;
  int64_t total_;
  bool enabled_;
  absl::Time start_;
  absl::Time last_draw_ = absl::InfinitePast();
};

}  // namespace flowline::cli
