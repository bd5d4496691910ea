// SPDX-License-Identifier: Apache-2.0
#include "core/job_request.hpp"

#include <nlohmann/json.hpp>

namespace ve::core {
namespace {

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    if (c >= 0x80) {
      if ((c >> 5) == 0x6) extra = 1;
      else if ((c >> 4) == 0xe) extra = 2;
      else if ((c >> 3) == 0x1e) extra = 3;
      else return false;
    }
    if (s.size() - i <= extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += extra + 1;
  }
  return true;
}

Result<std::string> string_field(const nlohmann::json& j, const char* name, size_t max_length) {
  const auto it = j.find(name);
  if (it == j.end()) return fail(Error::invalid_input(std::string("message has no \"") + name + "\" field"));
  if (!it->is_string()) {
    return fail(Error::invalid_input(std::string("\"") + name + "\" must be a string, not " + it->type_name()));
  }
  std::string value = it->get<std::string>();
  if (value.empty()) return fail(Error::invalid_input(std::string("\"") + name + "\" is empty"));
  if (value.size() > max_length) {
    return fail(Error::invalid_input(std::string("\"") + name + "\" is longer than " + std::to_string(max_length) +
                                     " bytes"));
  }
  return value;
}

}  // namespace

Status validate_object_key(std::string_view key) {
  if (key.empty()) return fail(Error::invalid_input("file_path is empty"));
  if (key.size() > kMaxObjectKeyLength) return fail(Error::invalid_input("file_path is too long"));
  if (!valid_utf8(key)) return fail(Error::invalid_input("file_path is not valid UTF-8"));
  if (key.front() == '/') return fail(Error::invalid_input("file_path must be relative, not start with '/'"));
  for (char c : key) {
    if (c == '\0') return fail(Error::invalid_input("file_path contains a NUL byte"));
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return fail(Error::invalid_input("file_path contains a control character"));
    }
    if (c == '\\') return fail(Error::invalid_input("file_path contains a backslash"));
  }
  size_t start = 0;
  while (start <= key.size()) {
    const size_t end = std::min(key.find('/', start), key.size());
    const std::string_view segment = key.substr(start, end - start);
    if (segment == "..") return fail(Error::invalid_input("file_path must not contain '..' segments"));
    if (segment.empty() || segment == ".") {
      return fail(Error::invalid_input("file_path has an empty or '.' segment"));
    }
    start = end + 1;
  }
  return {};
}

Result<JobRequest> parse_job_request(std::string_view body) {
  if (body.size() > kMaxMessageBytes) {
    return fail(Error::invalid_input("message is " + std::to_string(body.size()) + " bytes; the limit is " +
                                     std::to_string(kMaxMessageBytes)));
  }
  // JSON text never holds a raw NUL (strings escape it as \u0000), and nlohmann::json stops at one
  // as if the input ended there: "{...}\0anything" would pass.
  if (const size_t nul = body.find('\0'); nul != std::string_view::npos) {
    return fail(Error::invalid_input("message is not valid JSON: raw NUL byte at offset " + std::to_string(nul)));
  }
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail(Error::invalid_input("message is not valid JSON"));
  if (!j.is_object()) return fail(Error::invalid_input(std::string("message must be a JSON object, not ") + j.type_name()));
  auto resource_id = string_field(j, "resource_id", kMaxResourceIdLength);
  if (!resource_id) return fail(resource_id.error());
  if (!valid_utf8(*resource_id)) return fail(Error::invalid_input("\"resource_id\" is not valid UTF-8"));
  // It goes into log lines, database text columns (PostgreSQL refuses NUL) and notifications.
  for (char c : *resource_id) {
    if (c == '\0') return fail(Error::invalid_input("\"resource_id\" contains a NUL byte"));
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return fail(Error::invalid_input("\"resource_id\" contains a control character"));
    }
  }
  auto file_path = string_field(j, "file_path", kMaxObjectKeyLength);
  if (!file_path) return fail(file_path.error());
  if (auto ok = validate_object_key(*file_path); !ok) return fail(ok.error());
  return JobRequest{std::move(*resource_id), std::move(*file_path)};
}

}  // namespace ve::core
