#include "store/postgres/pg_tx.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace flowline::store::postgres {

PgParam::PgParam(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  value_ = buffer;
}

PgParam::PgParam(absl::Time value) : value_(std::to_string(PgMicros(value))) {}

PgParam::PgParam(PgBytes value)
    : value_(absl::StrCat("\\x", absl::BytesToHexString(
                                     absl::string_view(value.bytes.data(), value.bytes.size())))) {}

int64_t PgMicros(absl::Time time) { return absl::ToUnixMicros(time); }

PgTx::PgTx(pqxx::work& work, std::vector<std::string>& prepared, PgCounters& counters,
           std::string& statement)
    : work_(work), prepared_(prepared), counters_(counters), statement_(statement) {}

pqxx::result PgTx::Exec(const PgQuery& query, std::initializer_list<PgParam> params) {
  return Exec(query, std::vector<PgParam>(params));
}

pqxx::result PgTx::Exec(const PgQuery& query, const std::vector<PgParam>& params) {
  statement_ = query.name;
  if (std::find(prepared_.begin(), prepared_.end(), query.name) == prepared_.end()) {
    // Prepared once per connection; the definition lives as long as the connection does.
    work_.conn().prepare(query.name, query.sql);
    prepared_.emplace_back(query.name);
    ++counters_.round_trips;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& param : params) {
    values.push_back(param.value().has_value() ? param.value()->c_str() : nullptr);
  }
  ++counters_.statements;
  ++counters_.round_trips;
  return work_.exec_prepared(query.name, pqxx::prepare::make_dynamic_params(values));
}

pqxx::result PgTx::ExecUnprepared(const char* name, const std::string& sql) {
  statement_ = name;
  ++counters_.statements;
  ++counters_.round_trips;
  return work_.exec(sql);
}

void PgTx::NotifyWork() { notify_ = true; }

std::string PgText(const pqxx::field& field) {
  if (field.is_null()) return "";
  return std::string(field.c_str(), field.size());
}

int64_t PgInt(const pqxx::field& field) { return field.is_null() ? 0 : field.as<int64_t>(); }

double PgDouble(const pqxx::field& field) { return field.is_null() ? 0 : field.as<double>(); }

bool PgBool(const pqxx::field& field) { return !field.is_null() && field.as<bool>(); }

absl::Time PgTime(const pqxx::field& field) { return absl::FromUnixMicros(PgInt(field)); }

std::optional<absl::Time> PgOptTime(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return absl::FromUnixMicros(field.as<int64_t>());
}

std::optional<double> PgOptDouble(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return field.as<double>();
}

std::string PgByteaBytes(const pqxx::field& field) {
  if (field.is_null()) return "";
  pqxx::binarystring bytes(field);
  return bytes.str();
}

}  // namespace flowline::store::postgres
