// The output JSON Schema as each provider is shown it. flowline's own annotations (`x-` keys,
// e.g. x-flowline-type: amount) are taken out for every provider (WireSchema). OpenAI's strict
// structured outputs further require every object to list all its properties in `required`
// and to set `additionalProperties: false`, and reject some keywords: StrictSchema rewrites a
// schema into that form, making each optional property nullable instead, and StripAddedNulls
// takes the nulls that rewrite let in back out of an answer. The answer is always validated
// against the schema as written (common::JsonSchema), so dropped keywords are still enforced.
// Pure functions.
#pragma once

#include "absl/status/status.h"
#include "common/json_util.h"

namespace flowline::ai::llm {

// `schema` without any `x-` keyword, at every level (property names are left alone).
Json WireSchema(const Json& schema);

// OpenAI's strict form of `schema` (already WireSchema'd): recursively over properties, items,
// anyOf/allOf/oneOf and $defs, every object gets additionalProperties: false and required =
// all its properties; a property that was not required becomes nullable ("type" gains "null",
// an enum gains null, a schema without a type becomes anyOf [it, {type: null}]); keywords
// strict mode rejects (kStrictUnsupported in the .cc: default, examples, minLength, ...) are
// dropped.
Json StrictSchema(const Json& schema);

// `answer` without the null members of objects whose property is not required by
// `original_schema` (the schema as written): what the strict rewrite allowed in, removed again.
// Recurses into nested objects and array items as the schema describes them.
Json StripAddedNulls(const Json& original_schema, Json answer);

// OK if the schema's root describes an object ("type": "object"); else InvalidArgument "the
// output schema's root must be type: object".
absl::Status CheckObjectRoot(const Json& schema);

}  // namespace flowline::ai::llm
