// Array parameters in PostgreSQL's array input syntax, so that a batch of rows is one statement
// and one round trip (`INSERT ... SELECT * FROM unnest($1::text[], $2::bigint[])`) instead of
// one per row. Pass the result as the text of a PgParam and cast it in the SQL. Text arrays:
// PgTextArray (pg_rows.h).
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace flowline::store::postgres {

// {1,2,3}
std::string PgIntArray(const std::vector<int64_t>& values);
// {1.5,NaN,Infinity}: exact (17 significant digits).
std::string PgDoubleArray(const std::vector<double>& values);
// {t,f}
std::string PgBoolArray(const std::vector<bool>& values);
// Times as BIGINT microseconds since the Unix epoch, like PgParam(absl::Time).
std::string PgTimeArray(const std::vector<absl::Time>& values);

}  // namespace flowline::store::postgres
