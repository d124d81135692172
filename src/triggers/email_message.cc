// GMime 3 does the MIME work: header decoding (RFC 2047, 2231), transfer encodings, charsets.
// Its objects are reference-counted GObjects: each is released by a unique_ptr with
// g_object_unref, and its strings with g_free.
#include "triggers/email_message.h"

#include <fnmatch.h>
#include <gmime/gmime.h>

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/strings.h"

namespace flowline::triggers {
namespace {

struct GObjectUnref {
  void operator()(void* object) const {
    if (object != nullptr) g_object_unref(object);
  }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree {
  void operator()(char* text) const { g_free(text); }
};
using GString = std::unique_ptr<char, GFree>;

void InitGMime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

std::string OrEmpty(const char* text) { return text != nullptr ? text : ""; }

// The mailbox addresses of `list`, group members included.
void CollectAddresses(InternetAddressList* list, Json& out) {
  if (list == nullptr) return;
  for (int i = 0; i < internet_address_list_length(list); ++i) {
    InternetAddress* address = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
      out.push_back(OrEmpty(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address))));
    } else if (INTERNET_ADDRESS_IS_GROUP(address)) {
      CollectAddresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address)), out);
    }
  }
}

// A short lower-case extension for the artifact key ("pdf"), "bin" when the name has none.
std::string Extension(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return "bin";
  std::string extension = absl::AsciiStrToLower(Sv(name.substr(dot + 1)));
  const bool ok = !extension.empty() && extension.size() <= 8 &&
                  std::all_of(extension.begin(), extension.end(), [](char c) {
                    return absl::ascii_islower(static_cast<unsigned char>(c)) ||
                           absl::ascii_isdigit(static_cast<unsigned char>(c));
                  });
  return ok ? extension : "bin";
}

std::string PartBytes(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) return "";
  GPtr<GMimeStream> stream(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, stream.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

struct Parts {
  std::string text;
  std::string html;
  bool has_text = false;
  bool has_html = false;
  struct Attachment {
    std::string name;
    std::string media_type;
    std::string bytes;
  };
  std::vector<Attachment> attachments;
};

void VisitPart(GMimeObject* /*parent*/, GMimeObject* object, gpointer data) {
  auto* parts = static_cast<Parts*>(data);
  if (!GMIME_IS_PART(object)) return;  // multiparts are walked into by g_mime_message_foreach
  GMimePart* part = GMIME_PART(object);
  const char* filename = g_mime_part_get_filename(part);
  GMimeContentType* type = g_mime_object_get_content_type(object);
  const bool attachment = g_mime_part_is_attachment(part) || filename != nullptr;
  if (!attachment && GMIME_IS_TEXT_PART(object)) {
    const bool html = g_mime_content_type_is_type(type, "text", "html");
    const bool plain = g_mime_content_type_is_type(type, "text", "plain");
    if ((html && !parts->has_html) || (plain && !parts->has_text)) {
      GString text(g_mime_text_part_get_text(GMIME_TEXT_PART(object)));
      (html ? parts->html : parts->text) = OrEmpty(text.get());
      (html ? parts->has_html : parts->has_text) = true;
      return;
    }
  }
  if (!attachment) return;
  GString media_type(g_mime_content_type_get_mime_type(type));
  std::string name = OrEmpty(filename);
  if (name.empty()) name = absl::StrCat("attachment-", parts->attachments.size() + 1);
  parts->attachments.push_back({std::move(name), OrEmpty(media_type.get()), PartBytes(part)});
}

}  // namespace

absl::StatusOr<ReceivedEmail> ParseReceivedEmail(std::string_view raw,
                                                 steps::ArtifactStore& artifacts,
                                                 std::string_view attachment_pattern) {
  InitGMime();
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!message) return absl::InvalidArgumentError("not an email message (no headers found)");

  Json input = Json::object();
  input["message_id"] = OrEmpty(g_mime_message_get_message_id(message.get()));
  Json from = Json::array();
  CollectAddresses(g_mime_message_get_from(message.get()), from);
  input["from"] = from.empty() ? "" : from[0];
  InternetAddressList* from_list = g_mime_message_get_from(message.get());
  input["from_name"] =
      from_list != nullptr && internet_address_list_length(from_list) > 0
          ? OrEmpty(internet_address_get_name(internet_address_list_get_address(from_list, 0)))
          : "";
  input["to"] = Json::array();
  CollectAddresses(g_mime_message_get_to(message.get()), input["to"]);
  input["cc"] = Json::array();
  CollectAddresses(g_mime_message_get_cc(message.get()), input["cc"]);
  input["subject"] = OrEmpty(g_mime_message_get_subject(message.get()));
  input["date"] = "";
  if (GDateTime* date = g_mime_message_get_date(message.get())) {
    GString text(g_date_time_format(date, "%Y-%m-%dT%H:%M:%S%:z"));
    input["date"] = OrEmpty(text.get());
  }

  Parts parts;
  g_mime_message_foreach(message.get(), &VisitPart, &parts);
  input["text"] = parts.text;
  input["html"] = parts.html;
  input["attachments"] = Json::array();
  for (Parts::Attachment& attachment : parts.attachments) {
    const std::string pattern(attachment_pattern);
    if (!pattern.empty() && fnmatch(pattern.c_str(), attachment.name.c_str(), FNM_CASEFOLD) != 0) {
      continue;
    }
    absl::StatusOr<std::string> key = artifacts.Put(attachment.bytes, Extension(attachment.name));
    if (!key.ok()) return key.status();
    input["attachments"].push_back({{"file", *key},
                                    {"name", attachment.name},
                                    {"media_type", attachment.media_type},
                                    {"size", attachment.bytes.size()},
                                    {"sha256", common::Sha256Hex(attachment.bytes)}});
  }
  if (!input["attachments"].empty()) input["file"] = input["attachments"][0]["file"];
  absl::StatusOr<std::string> raw_key = artifacts.Put(raw, "eml");
  if (!raw_key.ok()) return raw_key.status();
  input["raw"] = *raw_key;

  ReceivedEmail received;
  const std::string message_id = input["message_id"];
  received.key = message_id.empty() ? common::Sha256Hex(raw) : message_id;
  received.input = std::move(input);
  return received;
}

}  // namespace flowline::triggers
