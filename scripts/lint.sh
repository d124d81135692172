#!/usr/bin/env bash
# Checks formatting (clang-format) and naming/bug patterns (clang-tidy, .clang-tidy) of the C++
# sources. Needs a configured build dir (compile_commands.json).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${FLOWLINE_BUILD_DIR:-build}"
mapfile -t files < <(git ls-files 'src/*.cc' 'src/*.h' 'bench/*.cc' 'tests/*.cc' 'tests/*.h')
echo "lint: clang-format on ${#files[@]} files"
clang-format --dry-run -Werror "${files[@]}"
mapfile -t sources < <(printf '%s\n' "${files[@]}" | grep '\.cc$' | grep -v '_test\.cc$')
echo "lint: clang-tidy on ${#sources[@]} files"
printf '%s\n' "${sources[@]}" | xargs -P 2 -n 4 clang-tidy -p "$BUILD_DIR" --quiet 2>/dev/null
echo "lint: ok"
