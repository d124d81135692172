#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace flowline::cli {

ProgressBar::ProgressBar(std::string what, int64_t total)
    : what_(std::move(what)), total_(total), enabled_(isatty(STDERR_FILENO)), start_(absl::Now()) {}

void ProgressBar::Update(int64_t done, const std::string& detail) {
  if (!enabled_) return;
  absl::Time now = absl::Now();
  if (done != total_ && now - last_draw_ < absl::Milliseconds(100)) return;
  last_draw_ = now;
  constexpr int kWidth = 30;
  int filled = total_ > 0 ? static_cast<int>(kWidth * done / total_) : kWidth;
  std::string bar(filled, '#');
  bar.append(kWidth - filled, '.');
  double seconds = absl::ToDoubleSeconds(now - start_);
  double rate = seconds > 0 ? done / seconds : 0;
  std::fprintf(stderr, "\r[%s] %lld/%lld %s  %.0f/s  %s\x1b[K", bar.c_str(),
               static_cast<long long>(done), static_cast<long long>(total_), what_.c_str(), rate,
               detail.c_str());
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  if (enabled_) std::fprintf(stderr, "\n");
}

}  // namespace flowline::cli
