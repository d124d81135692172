// Small workflow specs the server tests deploy.
#pragma once

namespace flowline::server {

// A script step, then outputs; deduplicated by `input.id`; input must have id and name.
inline constexpr char kGreetSpec[] = R"(workflow: greet
description: Says hello.
key: ${{ input.id }}
input:
  schema:
    type: object
    required: [id, name]
    properties:
      id: { type: string }
      name: { type: string }
steps:
  - id: hello
    actor: system
    uses: script
    with:
      code: |
        return { greeting = "hello " .. input.name }
outputs:
  greeting: ${{ steps.hello.output.greeting }}
)";

// One review step; the run completes (or is rejected) when a person decides.
inline constexpr char kReviewSpec[] = R"(workflow: approve-it
steps:
  - id: decide
    actor: human
    uses: review
    with:
      queue: approvals
      title: "Approve ${{ input.id }}"
outputs:
  decision: ${{ steps.decide.output.decision }}
  by: ${{ steps.decide.output.by }}
)";

// Two webhooks: one signed with the secret in FLOWLINE_TEST_HOOK_SECRET, one unsigned.
inline constexpr char kSignedHookSpec[] = R"(workflow: hooked
triggers:
  - webhook: { path: /hooks/signed, secret_env: FLOWLINE_TEST_HOOK_SECRET }
  - webhook: { path: /hooks/open }
steps:
  - id: echo
    uses: script
    with:
      code: |
        return { id = input.id }
outputs:
  id: ${{ steps.echo.output.id }}
)";

// A webhook whose secret variable the server does not have.
inline constexpr char kMissingSecretSpec[] = R"(workflow: unset-secret
triggers:
  - webhook: { path: /hooks/unset, secret_env: FLOWLINE_TEST_UNSET_SECRET, signature_header: X-Sig }
steps:
  - id: echo
    uses: script
    with:
      code: return {}
)";

// A workflow started by an uploaded document: it echoes the input's file key and name.
inline constexpr char kIntakeSpec[] = R"(
workflow: intake
key: ${{ input.sha256 }}
steps:
  - id: note
    uses: script
    with:
      code: "return { file = input.file, name = input.name }"
outputs:
  file: ${{ steps.note.output.file }}
  name: ${{ steps.note.output.name }}
)";

// A signed webhook whose `scan` field carries a file ({name, content_base64}).
inline constexpr char kFileHookSpec[] = R"(workflow: filed
key: ${{ input.id }}
triggers:
  - webhook: { path: /hooks/files, secret_env: FLOWLINE_TEST_HOOK_SECRET, files: [scan] }
steps:
  - id: echo
    uses: script
    with:
      code: |
        return { file = input.scan.file }
outputs:
  file: ${{ steps.echo.output.file }}
)";

}  // namespace flowline::server
