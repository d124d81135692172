// The OpenAPI 3.0 document of the HTTP API (private to server/): src/server/openapi.json,
// embedded at build time (CMake reads it into a generated openapi_document.cc).
#pragma once

#include <string_view>

namespace flowline::server {

// The text of openapi.json.
std::string_view OpenApiDocument();

}  // namespace flowline::server
