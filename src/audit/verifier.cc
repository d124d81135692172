#include "audit/verifier.h"

#include <algorithm>
#include <future>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/checkpoints.h"
#include "common/status_macros.h"
#include "store/record_chain.h"

namespace flowline::audit {
namespace {

using store::Checkpoint;
using store::Record;

// How far from its place a record is looked for when its hash does not match (a swap or move
// within this distance is named as such; farther ones read as changes).
constexpr int64_t kMoveWindow = 4096;

std::string Describe(const Record& record) {
  std::string out = absl::StrCat("record ", record.seq, " (run ", record.run_id);
  if (!record.step_id.empty()) absl::StrAppend(&out, ", step ", record.step_id);
  absl::StrAppend(&out, ", ", record.kind, ")");
  return out;
}

Finding About(const Record& record, std::string problem, std::string message) {
  return Finding{std::move(problem), record.seq,  record.run_id,
                 record.step_id,     record.kind, std::move(message)};
}

std::string When(const Checkpoint& checkpoint) {
  return absl::StrCat(
      "checkpoint ", checkpoint.id, " signed ",
      absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", checkpoint.signed_at, absl::UTCTimeZone()));
}

// The walk over one snapshot of the checkpoints.
class ChainWalk {
 public:
  ChainWalk(store::Store& store, const VerifyOptions& options) : store_(store), options_(options) {}

  absl::StatusOr<VerifyReport> Run() {
    RETURN_IF_ERROR(LoadCheckpoints());
    if (report_.finding.has_value()) return report_;
    if (report_.cut.has_value()) {
      expected_ = report_.cut->seq + 1;
      prev_hash_ = report_.cut->hash;
      report_.signed_up_to = report_.cut->seq;
    }
    report_.first_seq = expected_;
    const int page = std::max(1, options_.page_size);
    // From the very first record there is, so that one put back before a cut is seen.
    absl::StatusOr<std::vector<Record>> next = store_.ScanRecords(0, page);
    // Two pages alive at a time: the one being checked, and the one before it, which last_
    // may still point into.
    std::vector<Record> pages[2];
    for (int current = 0; !report_.finding.has_value(); current ^= 1) {
      RETURN_IF_ERROR(next.status());
      if (next->empty()) break;
      pages[current] = *std::move(next);
      // Read the next page while this one is checked.
      const int64_t after = pages[current].back().seq;
      std::future<absl::StatusOr<std::vector<Record>>> reading = std::async(
          std::launch::async, [this, after, page] { return store_.ScanRecords(after, page); });
      for (const Record& record : pages[current]) {
        if (!Check(record)) break;
      }
      next = reading.get();
    }
    if (!report_.finding.has_value()) CheckTail();
    return report_;
  }

  // A removal that a retention cut made while the walk ran is not tampering: the caller walks
  // again when this is true.
  absl::StatusOr<bool> CutMovedPast(int64_t seq) {
    ASSIGN_OR_RETURN(std::optional<Checkpoint> latest, store_.LatestCheckpoint());
    return latest.has_value() && latest->cut && latest->seq >= seq &&
           (!report_.cut.has_value() || latest->seq > report_.cut->seq);
  }

  VerifyReport& report() { return report_; }

 private:
  absl::Status LoadCheckpoints() {
    report_.signatures_checked = options_.trusted_key != nullptr;
    int64_t after = 0;
    for (;;) {
      ASSIGN_OR_RETURN(std::vector<Checkpoint> page, store_.ListCheckpoints(after, 10000));
      if (page.empty()) break;
      after = page.back().id;
      for (Checkpoint& checkpoint : page) {
        ++report_.checkpoints;
        if (options_.all_signatures && !Trusted(checkpoint)) return absl::OkStatus();
        if (checkpoint.cut) {
          if (!report_.cut.has_value() || checkpoint.seq > report_.cut->seq) {
            report_.cut = checkpoint;
          }
        } else {
          checkpoints_.push_back(std::move(checkpoint));
        }
      }
    }
    std::sort(checkpoints_.begin(), checkpoints_.end(),
              [](const Checkpoint& a, const Checkpoint& b) { return a.seq < b.seq; });
    // The two checkpoints every verdict rests on: the cut the chain starts from, and the one
    // furthest along (a change anywhere before it, even with every hash after it recomputed,
    // contradicts its signed hash). Others are checked when they disagree with the chain.
    if (options_.all_signatures) return absl::OkStatus();  // all checked above
    if (report_.cut.has_value() && !Trusted(*report_.cut)) return absl::OkStatus();
    if (!checkpoints_.empty()) Trusted(checkpoints_.back());
    return absl::OkStatus();
  }

  // True if the checkpoint's signature is the trusted key's (or no key is given); otherwise
  // records the finding.
  bool Trusted(const Checkpoint& checkpoint) {
    if (options_.trusted_key == nullptr) return true;
    ++report_.signatures_verified;
    absl::Status signature = CheckSignature(*options_.trusted_key, checkpoint);
    if (signature.ok()) return true;
    report_.finding =
        Finding{"bad_checkpoint", checkpoint.seq, "", "", "", std::string(signature.message())};
    return false;
  }

  // Checks one record; false once a finding is made.
  bool Check(const Record& record) {
    if (record.seq < expected_) {
      report_.finding = About(
          record, "inserted",
          absl::StrCat(Describe(record), " lies at or before the retention cut at record ",
                       expected_ - 1, ", whose records were removed: it was put back or added"));
      return false;
    }
    if (record.seq > expected_) {
      report_.finding = Finding{
          "removed",
          expected_,
          "",
          "",
          "",
          absl::StrCat(
              "record ", expected_, " is missing: the chain goes from ",
              expected_ == report_.first_seq ? "its start" : absl::StrCat("record ", expected_ - 1),
              " to ", Describe(record), "; ", record.seq - expected_,
              record.seq - expected_ == 1 ? " record was" : " records were", " removed")};
      return false;
    }
    if (hasher_.Hash(record) != record.hash) {
      report_.finding = Mismatch(record);
      return false;
    }
    if (record.prev_hash != prev_hash_) {
      if (last_ != nullptr) {
        report_.finding =
            About(*last_, "changed",
                  absl::StrCat(Describe(*last_), " was changed and its hash recomputed: record ",
                               record.seq, " still links to its former hash ",
                               store::HexBytes(record.prev_hash).substr(0, 16), "…"));
      } else {
        report_.finding = About(
            record, "changed",
            absl::StrCat(Describe(record), " does not link to the ",
                         report_.cut.has_value() ? "retention cut it follows" : "chain's start",
                         ": it was changed and its hash recomputed, or records before it were "
                         "replaced"));
      }
      return false;
    }
    while (next_checkpoint_ < checkpoints_.size() &&
           checkpoints_[next_checkpoint_].seq <= record.seq) {
      const Checkpoint& checkpoint = checkpoints_[next_checkpoint_++];
      if (checkpoint.seq == record.seq && checkpoint.hash != record.hash) {
        if (!Trusted(checkpoint)) return false;  // a forged checkpoint, not a changed record
        report_.finding =
            About(record, "changed",
                  absl::StrCat(Describe(record), " is not the record ", When(checkpoint),
                               " covers: it was changed after signing and every hash from it on "
                               "was recomputed"));
        return false;
      }
      // Everything up to the furthest (checked) checkpoint is covered by its signature.
      if (checkpoint.seq == record.seq && next_checkpoint_ == checkpoints_.size()) {
        report_.signed_up_to = record.seq;
      }
    }
    ++report_.records;
    report_.last_seq = record.seq;
    prev_hash_ = record.hash;
    expected_ = record.seq + 1;
    last_ = &record;
    return true;
  }

  // A record whose content does not hash to its stored hash: changed in place, or a record that
  // belongs at another seq (rows swapped or moved). Looks for the seq it hashes correctly at.
  Finding Mismatch(const Record& record) {
    Record moved = record;
    for (int64_t distance = 1; distance <= kMoveWindow; ++distance) {
      for (int64_t seq : {record.seq - distance, record.seq + distance}) {
        if (seq < 1) continue;
        moved.seq = seq;
        if (hasher_.Hash(moved) == record.hash) {
          return About(record, "reordered",
                       absl::StrCat("record ", record.seq, " holds the record written as record ",
                                    seq, " (run ", record.run_id, ", ", record.kind,
                                    "): records were moved or swapped"));
        }
      }
    }
    return About(record, "changed",
                 absl::StrCat(Describe(record),
                              " does not match its hash: its content was changed after it was "
                              "written"));
  }

  void CheckTail() {
    const Checkpoint* furthest = nullptr;
    for (const Checkpoint& checkpoint : checkpoints_) {
      if (furthest == nullptr || checkpoint.seq > furthest->seq) furthest = &checkpoint;
    }
    const int64_t end = expected_ - 1;
    if (furthest != nullptr && furthest->seq > end) {
      report_.finding =
          Finding{"truncated",
                  end + 1,
                  "",
                  "",
                  "",
                  absl::StrCat("the chain ends at record ", end, " but ", When(*furthest),
                               " covers up to record ", furthest->seq, ": records ", end + 1,
                               " to ", furthest->seq, " were removed from the end")};
    }
  }

  store::Store& store_;
  const VerifyOptions& options_;
  VerifyReport report_;
  std::vector<Checkpoint> checkpoints_;  // not cuts, by seq
  size_t next_checkpoint_ = 0;
  int64_t expected_ = 1;
  std::string prev_hash_ = store::GenesisHash();
  const Record* last_ = nullptr;  // the last record checked (in the current or previous page)
  store::RecordHasher hasher_;
};

}  // namespace

absl::StatusOr<VerifyReport> VerifyChain(store::Store& store, const VerifyOptions& options) {
  const absl::Time started = absl::Now();
  for (int attempt = 0;; ++attempt) {
    ChainWalk walk(store, options);
    ASSIGN_OR_RETURN(VerifyReport report, walk.Run());
    if (attempt < 3 && report.finding.has_value() && report.finding->problem == "removed") {
      ASSIGN_OR_RETURN(bool pruned, walk.CutMovedPast(report.finding->seq));
      if (pruned) continue;
    }
    report.elapsed = absl::Now() - started;
    return report;
  }
}

}  // namespace flowline::audit
