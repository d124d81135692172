#include "store/postgres/pg_query_builder.h"

#include <cassert>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"

namespace flowline::store::postgres {
namespace {

struct Interned {
  std::string name;
  std::string sql;
};

// SQL text → its statement. Entries are never removed: the shapes are a small fixed set.
PgQuery Intern(const std::string& base, const std::string& sql) {
  static std::mutex mutex;
  static auto* statements = new std::map<std::string, std::unique_ptr<Interned>>();
  std::lock_guard<std::mutex> lock(mutex);
  auto [it, added] = statements->try_emplace(sql);
  if (added) {
    it->second =
        std::make_unique<Interned>(Interned{absl::StrCat(base, "_", statements->size()), sql});
  }
  return PgQuery{it->second->name.c_str(), it->second->sql.c_str()};
}

}  // namespace

PgQueryBuilder::PgQueryBuilder(std::string_view base, std::string_view sql)
    : base_(base), sql_(sql) {}

PgQueryBuilder& PgQueryBuilder::Add(std::string_view text, std::initializer_list<PgParam> values) {
  auto value = values.begin();
  for (char c : text) {
    if (c != '?') {
      sql_ += c;
      continue;
    }
    assert(value != values.end() && "more '?' than values");
    params_.push_back(*value++);
    absl::StrAppend(&sql_, "$", params_.size());
  }
  assert(value == values.end() && "more values than '?'");
  return *this;
}

PgQuery PgQueryBuilder::query() const { return Intern(base_, sql_); }

}  // namespace flowline::store::postgres
