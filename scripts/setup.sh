#!/usr/bin/env bash
# Installs the Debian 12 packages flowline needs to build, run and test — only the missing ones.
# Safe to run again: with everything present it changes nothing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git python3 curl
  libabsl-dev nlohmann-json3-dev libvalijson-dev libyaml-cpp-dev liblua5.4-dev
  libsqlite3-dev sqlite3 postgresql-15 libpqxx-dev libcpp-httplib-dev libcurl4-openssl-dev libssl-dev
  libspdlog-dev libcli11-dev
  libpoppler-cpp-dev libtesseract-dev libleptonica-dev tesseract-ocr-eng libfasttext-dev
  libxgboost-dev libcairo2-dev libgoogle-perftools-dev
  libargon2-dev libkainjow-mustache-dev
  libgtest-dev libgmock-dev libbenchmark-dev clang-format clang-tidy
  chromium
  dovecot-core dovecot-imapd dovecot-submissiond opensmtpd rabbitmq-server librabbitmq-dev libgmime-3.0-dev
)
# The web UI is built with Node.js and npm (18 or later). A newer Node.js that brings its own npm
# (as some machines have) is used as it is; Debian's are installed only when there is none.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: run as root or install sudo" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
