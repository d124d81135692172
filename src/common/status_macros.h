// Error propagation helpers: the one pair of macros every subsystem uses with absl::Status.
//
//   RETURN_IF_ERROR(DoThing());             // returns the status if it is not OK
//   ASSIGN_OR_RETURN(auto value, Compute()); // unwraps a StatusOr or returns its status
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define FLOWLINE_CONCAT_INNER(a, b) a##b
#define FLOWLINE_CONCAT(a, b) FLOWLINE_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                            \
  do {                                                   \
    ::absl::Status flowline_status_ = (expr);            \
    if (!flowline_status_.ok()) return flowline_status_; \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, rexpr) \
  FLOWLINE_ASSIGN_OR_RETURN_IMPL(FLOWLINE_CONCAT(flowline_statusor_, __LINE__), lhs, rexpr)

#define FLOWLINE_ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()
