// RunStoryHtml(): the story JSON as one page a person can read and keep. Self-contained (inline
// CSS, no scripts, nothing fetched), so it can be archived or mailed as one file.
#include <string>

#include "absl/strings/str_cat.h"
#include "audit/run_story.h"
#include "common/html.h"

namespace flowline::audit {
namespace {

constexpr char kStyle[] = R"css(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330;
       margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.1rem; margin-top: 2rem;
  border-bottom: 1px solid #d8dce6; padding-bottom: .3rem; }
.sub { color: #5b6478; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid #eceef3; }
th { background: #f5f6f9; font-weight: 600; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { color: #5b6478; } dd { margin: 0; }
code, pre { font: 12px/1.4 ui-monospace, "SFMono-Regular", Menlo, monospace; }
pre { background: #f7f8fa; padding: .4rem .6rem; margin: .2rem 0; white-space: pre-wrap;
      word-break: break-all; max-height: 18rem; overflow: auto; }
.ok { color: #16794a; font-weight: 600; } .bad { color: #b42318; font-weight: 600; }
.kind { font-weight: 600; white-space: nowrap; } .muted { color: #5b6478; }
.hash { color: #5b6478; word-break: break-all; }
)css";

std::string Escape(std::string_view text) { return common::HtmlEscape(text); }

// A scalar as text; objects and arrays as indented JSON in a <pre>.
std::string Value(const Json& value) {
  if (value.is_null()) return "<span class=\"muted\">—</span>";
  if (value.is_string()) return Escape(value.get<std::string>());
  if (value.is_object() || value.is_array()) {
    return absl::StrCat("<pre>", Escape(value.dump(2)), "</pre>");
  }
  return Escape(value.dump());
}

std::string Member(const Json& object, const char* name) {
  auto it = object.find(name);
  return it == object.end() ? Value(Json()) : Value(*it);
}

std::string Row(std::initializer_list<std::string> cells) {
  std::string out = "<tr>";
  for (const std::string& cell : cells) absl::StrAppend(&out, "<td>", cell, "</td>");
  return out + "</tr>\n";
}

std::string Head(std::initializer_list<const char*> names) {
  std::string out = "<tr>";
  for (const char* name : names) absl::StrAppend(&out, "<th>", name, "</th>");
  return out + "</tr>\n";
}

void Summary(const Json& run, const Json& personal, std::string& out) {
  absl::StrAppend(&out, "<h1>Case ", Escape(run.value("run_id", "")), "</h1>\n",
                  "<p class=\"sub\">Workflow ", Escape(run.value("workflow", "")),
                  ", version <code>", Escape(run.value("version", "").substr(0, 12)), "</code> — ",
                  Escape(run.value("status", "")), "</p>\n<dl>\n");
  for (const char* name : {"business_key", "status", "created_at", "finished_at", "error"}) {
    absl::StrAppend(&out, "<dt>", name, "</dt><dd>", Member(run, name), "</dd>\n");
  }
  absl::StrAppend(&out, "</dl>\n<h2>Input</h2>\n", Value(run.value("input", Json())),
                  "<h2>Outcome</h2>\n", Value(run.value("output", Json())));
  if (personal.is_array() && !personal.empty()) {
    absl::StrAppend(&out,
                    "<p class=\"muted\">Personal data (shown as keyed digests, never as values): ");
    for (size_t i = 0; i < personal.size(); ++i) {
      absl::StrAppend(&out, i ? ", " : "", "<code>", Value(personal[i]), "</code>");
    }
    out += "</p>\n";
  }
}

void Timeline(const Json& records, std::string& out) {
  absl::StrAppend(&out, "<h2>Decision record</h2>\n<table>\n",
                  Head({"#", "time", "what", "step", "actor", "details", "hash"}));
  for (const Json& record : records) {
    const bool ok = record.value("hash_matches", false);
    absl::StrAppend(
        &out,
        Row({Member(record, "seq"), Member(record, "at"),
             absl::StrCat("<span class=\"kind\">", Member(record, "kind"), "</span>"),
             Member(record, "step_id"), Member(record, "actor"), Member(record, "payload"),
             absl::StrCat("<span class=\"hash\">", Escape(record.value("hash", "").substr(0, 16)),
                          "…</span><br><span class=\"",
                          ok ? "ok\">matches" : "bad\">DOES NOT MATCH", "</span>")}));
  }
  out += "</table>\n";
}

void Steps(const Json& steps, std::string& out) {
  absl::StrAppend(&out, "<h2>Steps</h2>\n<table>\n",
                  Head({"step", "status", "attempts", "confidence", "started", "finished", "ms",
                        "input digest", "error"}));
  for (const Json& step : steps) {
    absl::StrAppend(
        &out, Row({Member(step, "step_id"), Member(step, "status"), Member(step, "attempts"),
                   Member(step, "confidence"), Member(step, "started_at"),
                   Member(step, "finished_at"), Member(step, "duration_ms"),
                   absl::StrCat("<span class=\"hash\">", Member(step, "input_digest"), "</span>"),
                   Member(step, "error")}));
  }
  out += "</table>\n";
}

void Tasks(const Json& tasks, std::string& out) {
  if (tasks.empty()) return;
  absl::StrAppend(&out, "<h2>People's tasks</h2>\n<table>\n",
                  Head({"task", "queue", "status", "opened", "due", "first decision by",
                        "resolved by", "decision", "resolution"}));
  for (const Json& task : tasks) {
    absl::StrAppend(&out, Row({Member(task, "title"), Member(task, "queue"), Member(task, "status"),
                               Member(task, "created_at"), Member(task, "due_at"),
                               Member(task, "first_by"), Member(task, "resolved_by"),
                               Member(task, "decision"), Member(task, "resolution")}));
  }
  out += "</table>\n";
}

void Corrections(const Json& corrections, std::string& out) {
  if (corrections.empty()) return;
  absl::StrAppend(&out, "<h2>Corrections</h2>\n<table>\n",
                  Head({"field", "AI value", "AI confidence", "person's value", "changed", "by"}));
  for (const Json& correction : corrections) {
    absl::StrAppend(
        &out,
        Row({Member(correction, "field"), Member(correction, "ai_value"),
             Member(correction, "ai_confidence"), Member(correction, "human_value"),
             correction.value("changed", false) ? "<b>yes</b>" : "no", Member(correction, "by")}));
  }
  out += "</table>\n";
}

void Chain(const Json& chain, std::string& out) {
  const int64_t total = chain.value("records", int64_t{0});
  const int64_t intact = chain.value("records_matching_their_hash", int64_t{0});
  const Json& signed_part = chain.contains("signed") ? chain["signed"] : Json();
  absl::StrAppend(&out, "<h2>Evidence</h2>\n<p>",
                  intact == total ? "<span class=\"ok\">" : "<span class=\"bad\">", intact, " of ",
                  total, " records match their hashes</span>. ");
  if (signed_part.value("covered", false)) {
    const Json& valid =
        signed_part.contains("signature_valid") ? signed_part["signature_valid"] : Json();
    absl::StrAppend(&out, "All are covered by signed checkpoint ",
                    Member(signed_part, "checkpoint"), " (record ",
                    Member(signed_part, "checkpoint_seq"), ", ", Member(signed_part, "signed_at"),
                    ", key <code>", Member(signed_part, "key_id"), "</code>)");
    if (valid.is_boolean()) {
      absl::StrAppend(&out, valid.get<bool>() ? ": <span class=\"ok\">signature valid</span>"
                                              : ": <span class=\"bad\">signature INVALID</span>");
    }
    out += ". ";
  } else {
    absl::StrAppend(&out, Member(signed_part, "note"), ". ");
  }
  absl::StrAppend(&out, "<span class=\"muted\">", Member(chain, "note"), ".</span></p>\n");
}

}  // namespace

std::string RunStoryHtml(const Json& story) {
  const Json& run = story.contains("run") ? story["run"] : Json::object();
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Case ",
      Escape(run.value("run_id", "")), " — flowline decision record</title>\n<style>", kStyle,
      "</style>\n</head>\n<body>\n");
  Summary(run, story.value("personal", Json::array()), out);
  Timeline(story.value("records", Json::array()), out);
  Steps(story.value("steps", Json::array()), out);
  Tasks(story.value("tasks", Json::array()), out);
  Corrections(story.value("corrections", Json::array()), out);
  Chain(story.value("chain", Json::object()), out);
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace flowline::audit
