// Ids read by OCR: the normalised value of an `id` candidate whose words came from OCR (they carry
// a confidence), with the letters OCR confuses with digits put back.
//
// Tesseract reads the digit 0 as the letter O, 1 as I or l, 5 as S and 8 as B inside ids
// ("MH0C2H51L" -> "MHOC2H51L"); the printed value is then not among the candidates at all. Two
// repairs, both only for OCR'd words (a text-layer PDF's id is exact and never touched):
//
//   digit runs   within a letter-or-digit run of the id, a stretch of digits and look-alike
//                letters (O o I l | S s B) that holds at least two digits and more digits than
//                look-alikes is read as digits: "2O26-O412" -> "2026-0412", "RE1234O" -> "RE12340",
//                "NO58K7046" -> "N058K7046" (a lower-case look-alike continuing a word stays:
//                "No1234")
//   patterns     when the field has pattern hints (field_spec.h) and the value matches none of
//                them, the fewest swaps of look-alikes in either direction (O<->0, I<->1, S<->5,
//                B<->8) that make it match one: with "^[CFGHJKLMNPRTVWXYZ0-9]{9}$",
//                "MHOC2H51L" -> "MH0C2H51L"; with "^[A-Z]{2}\d{6}$", "A8123456" -> "AB123456"
//
// Pure functions; thread-safe.
#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace flowline::ai {

// The field's pattern hints compiled (ECMAScript); patterns that do not compile are skipped
// (ParseFieldSpecs has rejected them already).
std::vector<std::regex> CompileIdPatterns(const std::vector<std::string>& patterns);

// The repaired form of an OCR'd id `text` (see above); `text` itself when nothing applies. Swaps
// are tried only when `patterns` is not empty and at most 12 look-alike positions are in `text`.
std::string RepairOcrId(std::string_view text, const std::vector<std::regex>& patterns);

}  // namespace flowline::ai
