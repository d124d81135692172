// Locating a position inside a YAML scalar in the file it came from (private to engine/).
//
// An expression's syntax error is reported by Lua relative to the scalar's text; the spec's author
// needs the line and column in the file. yaml-cpp gives only where the scalar starts, so the
// scalar's source is re-read: quoted and plain scalars start after their quote, block scalars
// (`|`, `>`) on the line after their header at the block's indentation, and folded lines
// (plain, quoted and `>` scalars join lines with a space) are walked one by one.
// Escapes in double-quoted scalars are not undone, so positions after one are approximate.
#pragma once

#include <cstddef>
#include <string_view>

#include "engine/spec.h"
#include "yaml-cpp/yaml.h"

namespace flowline::engine::internal {

// The byte offset in `text` of 1-based (line, column), the column counting UTF-8 characters as
// expr positions do; column 0 means the start of the line.
size_t OffsetOf(std::string_view text, int line, int column);

// The 1-based file location of byte `offset` of `scalar`'s value, `source` being the whole file
// it was parsed from. Falls back to the scalar's own location when the source does not match.
Location LocateInScalar(std::string_view source, const YAML::Node& scalar, size_t offset);

}  // namespace flowline::engine::internal
