#include "audit/checkpoints.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace flowline::audit {
namespace {

constexpr std::string_view kTag("flowline.checkpoint.v1\0", 23);

void AppendUint64(uint64_t value, std::string& out) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

}  // namespace

std::string CheckpointMessage(const store::Checkpoint& checkpoint) {
  std::string out(kTag);
  AppendUint64(static_cast<uint64_t>(checkpoint.seq), out);
  out.append(checkpoint.hash);
  AppendUint64(static_cast<uint64_t>(absl::ToUnixMicros(checkpoint.signed_at)), out);
  out.push_back(checkpoint.cut ? '\1' : '\0');
  const auto size = static_cast<uint32_t>(checkpoint.reason.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(size >> shift));
  out.append(checkpoint.reason);
  return out;
}

absl::StatusOr<store::Checkpoint> SignCheckpoint(const SigningKey& key, int64_t seq,
                                                 const std::string& hash, absl::Time now,
                                                 const std::string& reason, bool cut) {
  store::Checkpoint checkpoint;
  checkpoint.seq = seq;
  checkpoint.hash = hash;
  // Stored in microseconds: sign exactly what will be read back.
  checkpoint.signed_at = absl::FromUnixMicros(absl::ToUnixMicros(now));
  checkpoint.reason = reason;
  checkpoint.key_id = key.public_key().id();
  checkpoint.cut = cut;
  ASSIGN_OR_RETURN(checkpoint.signature, key.Sign(CheckpointMessage(checkpoint)));
  return checkpoint;
}

absl::Status CheckSignature(const PublicKey& trusted, const store::Checkpoint& checkpoint) {
  const std::string what = absl::StrCat("checkpoint ", checkpoint.id, " (record ", checkpoint.seq,
                                        checkpoint.cut ? ", retention cut" : "", ", signed ",
                                        absl::FormatTime(checkpoint.signed_at), ")");
  if (checkpoint.key_id != trusted.id()) {
    return absl::UnauthenticatedError(absl::StrCat(what, " names signing key ", checkpoint.key_id,
                                                   ", not the trusted key ", trusted.id(),
                                                   ": it was signed with another key, or altered"));
  }
  if (!trusted.Verify(CheckpointMessage(checkpoint), checkpoint.signature)) {
    return absl::UnauthenticatedError(absl::StrCat(
        what, " does not match its signature: it was altered after signing, or forged"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<store::Checkpoint>> CheckpointHead(store::Store& store,
                                                                const SigningKey& key,
                                                                absl::Time now,
                                                                const std::string& reason) {
  ASSIGN_OR_RETURN(store::RecordChainHead head, store.GetRecordChainHead());
  if (head.seq == 0) return std::nullopt;
  ASSIGN_OR_RETURN(std::optional<store::Checkpoint> latest, store.LatestCheckpoint());
  if (latest.has_value() && latest->seq >= head.seq) return std::nullopt;
  ASSIGN_OR_RETURN(store::Checkpoint checkpoint,
                   SignCheckpoint(key, head.seq, head.hash, now, reason, false));
  ASSIGN_OR_RETURN(checkpoint.id, store.AddCheckpoint(checkpoint));
  return checkpoint;
}

}  // namespace flowline::audit
