#include "steps/text_template.h"

#include <kainjow/mustache.hpp>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::steps {
namespace {

namespace mustache = kainjow::mustache;

mustache::data ToMustache(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object: {
      mustache::data object{mustache::data::type::object};
      for (const auto& [key, member] : value.items()) object.set(key, ToMustache(member));
      object.set("_json", value.dump());
      return object;
    }
    case Json::value_t::array: {
      mustache::data list{mustache::data::type::list};
      for (const Json& item : value) list.push_back(ToMustache(item));
      return list;
    }
    case Json::value_t::string:
      return mustache::data{value.get<std::string>()};
    case Json::value_t::boolean:
      return mustache::data{value.get<bool>()};
    case Json::value_t::null:
    case Json::value_t::discarded:
      return mustache::data{false};
    default:  // numbers
      return mustache::data{value.dump()};
  }
}

std::string Identity(const std::string& text) { return text; }

}  // namespace

absl::StatusOr<TextTemplate> TextTemplate::Compile(std::string text) {
  mustache::mustache parsed{text};
  if (!parsed.is_valid()) return absl::InvalidArgumentError(parsed.error_message());
  return TextTemplate(std::move(text));
}

std::string TextTemplate::Render(const Json& data) const {
  // kainjow's render() is not const (it keeps the last error), so each call parses its own copy:
  // the templates are a few kilobytes and the model call that follows takes seconds.
  mustache::mustache parsed{text_};
  parsed.set_custom_escape(Identity);
  return parsed.render(ToMustache(data));
}

std::string TextTemplate::RenderHtml(const Json& data) const {
  mustache::mustache parsed{text_};  // kainjow's default escape is HTML's
  return parsed.render(ToMustache(data));
}

}  // namespace flowline::steps
