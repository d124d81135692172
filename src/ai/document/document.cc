#include "ai/document/document.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::ai {

namespace {

Json BoxJson(const Box& box) { return Json::array({box.x0, box.y0, box.x1, box.y1}); }

absl::Status Bad(const std::string& where, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("document JSON: ", where, ": ", Sv(what)));
}

absl::StatusOr<Box> BoxFromJson(const Json& json, const std::string& where) {
  if (!json.is_array() || json.size() != 4) return Bad(where, "box must be [x0, y0, x1, y1]");
  for (const Json& v : json) {
    if (!v.is_number()) return Bad(where, "box values must be numbers");
  }
  return Box{json[0].get<double>(), json[1].get<double>(), json[2].get<double>(),
             json[3].get<double>()};
}

}  // namespace

Box Box::Union(const Box& other) const {
  return Box{std::min(x0, other.x0), std::min(y0, other.y0), std::max(x1, other.x1),
             std::max(y1, other.y1)};
}

std::string Line::Text() const {
  std::string text;
  for (const Word& word : words) {
    if (!text.empty()) text += ' ';
    text += word.text;
  }
  return text;
}

std::string Document::Text() const {
  std::string text;
  for (size_t p = 0; p < pages.size(); ++p) {
    if (p > 0) text += '\f';
    for (const Line& line : pages[p].lines) {
      text += line.Text();
      text += '\n';
    }
  }
  return text;
}

Json Document::ToJson() const {
  Json out = Json::object();
  out["sha256"] = sha256;
  out["media_type"] = media_type;
  out["page_count"] = pages.size();
  Json ocr_pages = Json::array();
  Json pages_json = Json::array();
  for (const Page& page : pages) {
    if (page.ocr) ocr_pages.push_back(page.number);
    Json p = Json::object();
    p["page"] = page.number;
    p["width"] = page.width;
    p["height"] = page.height;
    p["ocr"] = page.ocr;
    if (!page.image.empty()) p["image"] = page.image;
    if (page.confidence) p["confidence"] = *page.confidence;
    Json lines = Json::array();
    for (const Line& line : page.lines) {
      Json l = Json::object();
      l["text"] = line.Text();
      l["box"] = BoxJson(line.box);
      Json words = Json::array();
      for (const Word& word : line.words) {
        Json w = Json::object();
        w["text"] = word.text;
        w["box"] = BoxJson(word.box);
        if (word.confidence) w["conf"] = *word.confidence;
        words.push_back(std::move(w));
      }
      l["words"] = std::move(words);
      lines.push_back(std::move(l));
    }
    p["lines"] = std::move(lines);
    pages_json.push_back(std::move(p));
  }
  out["ocr_pages"] = std::move(ocr_pages);
  out["text"] = Text();
  out["pages"] = std::move(pages_json);
  return out;
}

absl::StatusOr<Document> Document::FromJson(const Json& json) {
  if (!json.is_object()) return Bad("$", "a document must be an object");
  Document doc;
  if (auto it = json.find("sha256"); it != json.end() && it->is_string()) doc.sha256 = *it;
  if (auto it = json.find("media_type"); it != json.end() && it->is_string()) doc.media_type = *it;
  auto pages = json.find("pages");
  if (pages == json.end() || !pages->is_array()) return Bad("pages", "must be an array");
  for (size_t p = 0; p < pages->size(); ++p) {
    const Json& pj = (*pages)[p];
    std::string where = absl::StrCat("pages[", p, "]");
    if (!pj.is_object()) return Bad(where, "must be an object");
    Page page;
    page.number = pj.value("page", static_cast<int>(p) + 1);
    page.width = pj.value("width", 0.0);
    page.height = pj.value("height", 0.0);
    page.ocr = pj.value("ocr", false);
    page.image = pj.value("image", std::string());
    if (auto it = pj.find("confidence"); it != pj.end() && it->is_number()) {
      page.confidence = it->get<double>();
    }
    auto lines = pj.find("lines");
    if (lines == pj.end() || !lines->is_array()) return Bad(where + ".lines", "must be an array");
    for (size_t l = 0; l < lines->size(); ++l) {
      const Json& lj = (*lines)[l];
      std::string lwhere = absl::StrCat(where, ".lines[", l, "]");
      if (!lj.is_object()) return Bad(lwhere, "must be an object");
      Line line;
      auto box = BoxFromJson(lj.value("box", Json()), lwhere + ".box");
      if (!box.ok()) return box.status();
      line.box = *box;
      auto words = lj.find("words");
      if (words == lj.end() || !words->is_array())
        return Bad(lwhere + ".words", "must be an array");
      for (size_t w = 0; w < words->size(); ++w) {
        const Json& wj = (*words)[w];
        std::string wwhere = absl::StrCat(lwhere, ".words[", w, "]");
        if (!wj.is_object() || !wj.contains("text") || !wj["text"].is_string()) {
          return Bad(wwhere, "must be an object with a string \"text\"");
        }
        Word word;
        word.text = wj["text"].get<std::string>();
        auto wbox = BoxFromJson(wj.value("box", Json()), wwhere + ".box");
        if (!wbox.ok()) return wbox.status();
        word.box = *wbox;
        if (auto it = wj.find("conf"); it != wj.end() && it->is_number()) {
          word.confidence = it->get<double>();
        }
        line.words.push_back(std::move(word));
      }
      page.lines.push_back(std::move(line));
    }
    doc.pages.push_back(std::move(page));
  }
  return doc;
}

}  // namespace flowline::ai
