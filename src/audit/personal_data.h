// Personal data in the decision record: values a workflow marks as personal (its spec's
// `personal:` list, docs/workflows.md) are kept in records and exports as keyed digests, never
// as plain values (docs/audit.md, "Personal data").
//
// A path names where such a value appears, from one of these roots:
//   input.<field>...             the run's input
//   steps.<step>.output.<field>  a step's output (also: the person's values for that step's
//                                fields in a review's decision, and corrections)
//   outputs.<name>...            the run's outputs
//   key                          the run's business key
// Segments are separated by '.'; `*` stands for any member of an object or element of a list,
// a number for one element of a list.
//
// A digest is "hmac-sha256:<hex>" of the value's canonical JSON under the installation's personal
// data key: the same value gives the same digest within one installation (cases can still be
// compared), but without the key nobody can test guesses against it, and destroying the key
// leaves digests nobody can link to a person.
//
// Thread-safety: immutable after construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_util.h"

namespace flowline::audit {

// What is wrong with a path as written in a spec, and how to fix it.
struct PathProblem {
  std::string message;
  std::string hint;
};
// nullopt if `path` is fine for a workflow whose steps are `step_ids`.
std::optional<PathProblem> CheckPersonalPath(std::string_view path,
                                             const std::vector<std::string>& step_ids);

class PersonalDigest {
 public:
  // `key`: the raw personal data key. An empty key still hides values from a casual reader but
  // not from someone who guesses them: the command line always gives the installation's key.
  explicit PersonalDigest(std::string key) : key_(std::move(key)) {}
  // "hmac-sha256:<64 hex>" of the canonical JSON of `value`.
  std::string operator()(const Json& value) const;

 private:
  std::string key_;
};

class PersonalFields {
 public:
  PersonalFields() = default;
  // `paths` as accepted by CheckPersonalPath; others are ignored.
  explicit PersonalFields(const std::vector<std::string>& paths);

  bool empty() const { return paths_.empty(); }
  const std::vector<std::string>& paths() const { return written_; }

  // True if a path starts at `root` ("input", "steps.extract.output", "outputs", "key").
  bool Covers(std::string_view root) const;
  // `value` (found at `root`) with every value a path names replaced by its digest. Nulls stay
  // null: there is nothing to hide in an absent value.
  Json Redact(std::string_view root, Json value, const PersonalDigest& digest) const;
  // True if a path names `root`.`relative` or anything inside it or around it (the value there
  // holds, or is part of, personal data).
  bool Touches(std::string_view root, const std::vector<std::string>& relative) const;

  // A person's decision data on a review whose fields came from step `fields_step`
  // ({"fields": {name: value}, ...}): each field value that is personal for that step's output
  // (`fields.<name>`) replaced by its digest.
  Json RedactDecision(const std::string& fields_step, Json data,
                      const PersonalDigest& digest) const;

 private:
  struct Path {
    std::string root;  // "input", "steps.<id>.output", "outputs", "key"
    std::vector<std::string> segments;
  };
  std::vector<Path> paths_;
  std::vector<std::string> written_;
};

}  // namespace flowline::audit
