// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ve::adapters::blob::gcs {

// The fields of a Google service-account JSON key this adapter uses. private_key is a secret:
// never put it in a message or a log line.
struct ServiceAccount {
  std::string client_email;
  std::string private_key;  // PEM (PKCS#8 "BEGIN PRIVATE KEY")
  std::string private_key_id;
  std::string token_uri;
  std::string source;  // where it was read from, for messages
};

// Reads and checks a key file: a JSON object with type "service_account" and non-empty string
// fields client_email, private_key (PEM), private_key_id and token_uri (http(s) URL).
// InvalidInput naming the file and the missing or bad field; the key itself is never quoted.
core::Result<ServiceAccount> load_service_account(const std::filesystem::path& file);
core::Result<ServiceAccount> parse_service_account(std::string_view json, const std::string& source);

}  // namespace ve::adapters::blob::gcs
