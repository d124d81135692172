#include "store/postgres/pg_pool.h"

#include <regex>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "store/postgres/pg_chain.h"

namespace flowline::store::postgres {
namespace {

// libpq messages are "ERROR:  text\nDETAIL:  Key (col)=(value) ..." — the detail may quote
// bound values (personal data), so only the first line is kept.
std::string FirstLine(const char* message) {
  std::string text(message);
  size_t end = text.find('\n');
  if (end != std::string::npos) text.resize(end);
  return text;
}

absl::StatusCode CodeOf(const std::string& sqlstate) {
  if (sqlstate == "23505") return absl::StatusCode::kAlreadyExists;
  if (sqlstate == "40001" || sqlstate == "40P01") return absl::StatusCode::kAborted;
  if (absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "57P0")) {
    return absl::StatusCode::kUnavailable;
  }
  if (absl::StartsWith(sqlstate, "53")) return absl::StatusCode::kResourceExhausted;
  return absl::StatusCode::kInternal;
}

std::string Describe(const char* what, const std::string& statement) {
  return absl::StrCat(what, ": statement ", statement);
}

}  // namespace

std::string RedactConninfo(std::string text) {
  static const std::regex kKeyValue(R"((password\s*=\s*)('([^'\\]|\\.)*'|\S+))", std::regex::icase);
  static const std::regex kUrl(R"((postgres(ql)?://[^:/@\s]*:)[^@\s]*@)", std::regex::icase);
  text = std::regex_replace(text, kKeyValue, "$1***");
  return std::regex_replace(text, kUrl, "$1***@");
}

std::string QuoteIdentifier(const std::string& name) {
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

PgPool::PgPool(PgPoolOptions options)
    : options_(std::move(options)), slots_(static_cast<size_t>(options_.size)) {
  for (Slot& slot : slots_) free_.push_back(&slot);
}

PgPool::~PgPool() = default;

absl::StatusOr<std::unique_ptr<PgPool>> PgPool::Open(const PgPoolOptions& options) {
  if (options.size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("PostgreSQL pool: size ", options.size, " must be at least 1"));
  }
  if (options.schema.empty()) {
    return absl::InvalidArgumentError("PostgreSQL pool: the schema name is empty");
  }
  std::unique_ptr<PgPool> pool(new PgPool(options));
  absl::StatusOr<std::unique_ptr<pqxx::connection>> first = pool->Connect();
  if (!first.ok()) return first.status();
  pool->slots_.front().connection = *std::move(first);
  return pool;
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> PgPool::Connect() const {
  try {
    auto connection = std::make_unique<pqxx::connection>(options_.conninfo);
    pqxx::nontransaction setup(*connection);
    setup.exec(absl::StrCat("SET search_path TO ", QuoteIdentifier(options_.schema)));
    setup.commit();
    return connection;
  } catch (const pqxx::broken_connection& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to PostgreSQL: ", RedactConninfo(FirstLine(e.what())),
                     " (check the --store conninfo/URL and that the server is running)"));
  } catch (const pqxx::sql_error& e) {
    return absl::Status(CodeOf(e.sqlstate()),
                        absl::StrCat("setting up a PostgreSQL connection: SQLSTATE ", e.sqlstate(),
                                     ": ", RedactConninfo(FirstLine(e.what()))));
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to PostgreSQL: ", RedactConninfo(FirstLine(e.what()))));
  }
}

PgPool::Slot* PgPool::Acquire() {
  std::unique_lock lock(mutex_);
  slot_freed_.wait(lock, [&] { return !free_.empty(); });
  Slot* slot = free_.back();
  free_.pop_back();
  return slot;
}

void PgPool::Release(Slot* slot) {
  {
    std::lock_guard lock(mutex_);
    free_.push_back(slot);
  }
  slot_freed_.notify_one();
}

void PgPool::LinkRecords(Slot& slot, int64_t batch, PgCounters& counters) {
  // The appending transaction has committed: its outcome is OK whatever happens here. A link
  // that fails leaves the records pending, and the next link (another append's, or any read of
  // the chain, which links first) takes them.
  try {
    pqxx::nontransaction link(*slot.connection);
    link.exec_params(kLinkRecordsSql, batch);
    ++counters.statements;
    ++counters.round_trips;
    ++counters.transactions;
  } catch (const std::exception&) {
    // The connection is dropped whatever failed: the link waits with a session-level shared
    // lock (pg_migrations.cc, migration 3) that an interrupted call could leave held, and that
    // would keep every other linker from taking its turn. A failure of the link itself comes
    // back to the next read of the chain, which runs it in its own transaction.
    slot.connection.reset();
  }
}

PgCounters PgPool::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

absl::Status PgPool::Run(const char* what, absl::FunctionRef<absl::Status(PgTx&)> fn) {
  Slot* slot = Acquire();
  PgCounters counters;
  absl::Status status;
  bool reconnected = false;
  for (int attempt = 0;; ++attempt) {
    std::string statement = "BEGIN";
    bool committing = false;
    try {
      if (slot->connection == nullptr || !slot->connection->is_open()) {
        slot->connection.reset();
        slot->prepared.clear();
        absl::StatusOr<std::unique_ptr<pqxx::connection>> connection = Connect();
        if (!connection.ok()) {
          status = connection.status();
          break;
        }
        slot->connection = *std::move(connection);
      }
      pqxx::work work(*slot->connection);
      ++counters.round_trips;  // BEGIN
      PgTx tx(work, slot->prepared, counters, statement);
      status = fn(tx);
      if (!status.ok()) {
        work.abort();
        ++counters.round_trips;
        break;
      }
      if (tx.notify_pending()) {
        // Delivered at COMMIT to every listener; coalesced by the server.
        statement = "notify_work";
        work.exec("SELECT pg_notify('flowline_work', '')");
        ++counters.statements;
        ++counters.round_trips;
      }
      statement = "COMMIT";
      committing = true;
      work.commit();
      ++counters.round_trips;
      ++counters.transactions;
      if (tx.link_batch() != 0) LinkRecords(*slot, tx.link_batch(), counters);
      break;
    } catch (const pqxx::in_doubt_error& e) {
      slot->connection.reset();
      status = absl::UnavailableError(absl::StrCat(
          Describe(what, statement),
          ": the connection broke during COMMIT; the outcome is unknown: ", FirstLine(e.what())));
      break;
    } catch (const pqxx::broken_connection& e) {
      slot->connection.reset();
      if (committing || reconnected) {
        status = absl::UnavailableError(
            absl::StrCat(Describe(what, statement), ": the connection to PostgreSQL broke",
                         committing ? " during COMMIT; the outcome is unknown: " : ": ",
                         RedactConninfo(FirstLine(e.what()))));
        break;
      }
      reconnected = true;  // nothing was committed: run it again once on a new connection
    } catch (const pqxx::serialization_failure& e) {
      // The transaction did nothing, so running it again is safe.
      if (attempt < kMaxRetries) {
        ++counters.retries;
        continue;
      }
      status = absl::AbortedError(absl::StrCat(
          Describe(what, statement), ": SQLSTATE 40001 after retries: ", FirstLine(e.what())));
      break;
    } catch (const pqxx::deadlock_detected& e) {
      if (attempt < kMaxRetries) {
        ++counters.retries;
        continue;
      }
      status = absl::AbortedError(absl::StrCat(
          Describe(what, statement), ": SQLSTATE 40P01 after retries: ", FirstLine(e.what())));
      break;
    } catch (const pqxx::transaction_rollback& e) {
      // statement_completion_unknown (40003): whether it took effect is unknown.
      status = absl::UnavailableError(absl::StrCat(
          Describe(what, statement), ": the outcome is unknown: ", FirstLine(e.what())));
      break;
    } catch (const pqxx::sql_error& e) {
      status =
          absl::Status(CodeOf(e.sqlstate()), absl::StrCat(Describe(what, statement), ": SQLSTATE ",
                                                          e.sqlstate(), ": ", FirstLine(e.what())));
      break;
    } catch (const std::exception& e) {
      // A libpqxx usage error or a conversion of a field: a bug, not the user's input.
      status =
          absl::InternalError(absl::StrCat(Describe(what, statement), ": ", FirstLine(e.what())));
      break;
    }
  }
  {
    std::lock_guard lock(mutex_);
    counters_.transactions += counters.transactions;
    counters_.retries += counters.retries;
    counters_.statements += counters.statements;
    counters_.round_trips += counters.round_trips;
  }
  Release(slot);
  return status;
}

}  // namespace flowline::store::postgres
