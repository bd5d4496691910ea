// SPDX-License-Identifier: Apache-2.0
#include "support/bad_messages.hpp"

#include <nlohmann/json.hpp>

namespace ve::testing {
namespace {

std::string body(const std::string& resource_id, const std::string& file_path) {
  return nlohmann::json{{"resource_id", resource_id}, {"file_path", file_path}}.dump();
}

BadMessage invalid(std::string name, std::string raw_body, std::string error) {
  return {std::move(name), std::move(raw_body), std::move(error)};
}

}  // namespace

std::vector<BadMessage> invalid_job_messages() {
  const std::string big(1 << 20, 'a');
  const std::string big_body = R"({"resource_id":"one-megabyte","file_path":"good.mp4","padding":")" + big + "\"}";
  return {
      // Not a job request at all.
      invalid("not JSON", "this is not json", "message is not valid JSON"),
      invalid("empty body", "", "message is not valid JSON"),
      invalid("truncated JSON", R"({"resource_id": "r", "file_path": "good.mp4")", "message is not valid JSON"),
      invalid("JSON array", R"([{"resource_id": "r", "file_path": "good.mp4"}])", "message must be a JSON object, not array"),
      invalid("JSON string", R"("good.mp4")", "message must be a JSON object, not string"),
      invalid("JSON number", "42", "message must be a JSON object, not number"),
      invalid("JSON null", "null", "message must be a JSON object, not null"),
      // Missing, wrong-typed, empty and over-long fields.
      invalid("empty object", "{}", "message has no \"resource_id\" field"),
      invalid("no resource_id", R"({"file_path": "good.mp4"})", "message has no \"resource_id\" field"),
      invalid("no file_path", R"({"resource_id": "no-file-path"})", "message has no \"file_path\" field"),
      invalid("resource_id number", R"({"resource_id": 42, "file_path": "good.mp4"})",
              "\"resource_id\" must be a string, not number"),
      invalid("resource_id null", R"({"resource_id": null, "file_path": "good.mp4"})",
              "\"resource_id\" must be a string, not null"),
      invalid("resource_id object", R"({"resource_id": {"id": 1}, "file_path": "good.mp4"})",
              "\"resource_id\" must be a string, not object"),
      invalid("file_path array", R"({"resource_id": "fp-array", "file_path": ["good.mp4"]})",
              "\"file_path\" must be a string, not array"),
      invalid("file_path boolean", R"({"resource_id": "fp-bool", "file_path": true})",
              "\"file_path\" must be a string, not boolean"),
      invalid("empty resource_id", R"({"resource_id": "", "file_path": "good.mp4"})", "\"resource_id\" is empty"),
      invalid("empty file_path", R"({"resource_id": "fp-empty", "file_path": ""})", "\"file_path\" is empty"),
      invalid("long resource_id", body(std::string(300, 'r'), "good.mp4"), "\"resource_id\" is longer than 256 bytes"),
      invalid("long file_path", body("fp-long", std::string(2000, 'f') + ".mp4"),
              "\"file_path\" is longer than 1024 bytes"),
      invalid("1 MB body", big_body,
              "message is " + std::to_string(big_body.size()) + " bytes; the limit is 65536"),
      // NUL and control characters, escaped (valid JSON) and raw (not JSON).
      invalid("escaped NUL in file_path", R"({"resource_id": "nul-escaped", "file_path": "good.mp4\u0000.txt"})",
              "file_path contains a NUL byte"),
      invalid("escaped NUL in resource_id", R"({"resource_id": "nul\u0000id", "file_path": "good.mp4"})",
              "\"resource_id\" contains a NUL byte"),
      invalid("raw NUL in file_path", std::string(R"({"resource_id": "nul-raw", "file_path": "good.mp4)") +
                                          std::string(1, '\0') + R"(.txt"})",
              "message is not valid JSON: raw NUL byte at offset 49"),
      // nlohmann::json takes a NUL for the end of input: what follows must not be ignored.
      invalid("raw NUL after the object", body("nul-after", "good.mp4") + std::string(1, '\0') + "garbage",
              "message is not valid JSON: raw NUL byte at offset " +
                  std::to_string(body("nul-after", "good.mp4").size())),
      invalid("only NUL bytes", std::string(8, '\0'), "message is not valid JSON: raw NUL byte at offset 0"),
      invalid("escape in file_path", R"({"resource_id": "esc", "file_path": "good\u001b[2J.mp4"})",
              "file_path contains a control character"),
      invalid("newline in resource_id", R"({"resource_id": "forged\nERROR line", "file_path": "good.mp4"})",
              "\"resource_id\" contains a control character"),
      // Not UTF-8.
      invalid("0xFF in file_path", "{\"resource_id\": \"utf8-ff\", \"file_path\": \"good\xff.mp4\"}",
              "message is not valid JSON"),
      invalid("Latin-1 resource_id", "{\"resource_id\": \"caf\xe9\", \"file_path\": \"good.mp4\"}",
              "message is not valid JSON"),
      invalid("overlong dots", "{\"resource_id\": \"overlong\", \"file_path\": \"\xc0\xae\xc0\xae/x.mp4\"}",
              "message is not valid JSON"),
      invalid("lone surrogate escape", R"({"resource_id": "surrogate", "file_path": "\udc80.mp4"})",
              "message is not valid JSON"),
      invalid("binary garbage", std::string("\x1f\x8b\x08\x00\xff\xfe\x00\x01", 8),
              "message is not valid JSON: raw NUL byte at offset 3"),
      invalid("binary without NUL", "\x1f\x8b\x08\xff\xfe\x01", "message is not valid JSON"),

  };
}

std::vector<RefusedPath> refused_file_paths() {
  return {
      // Paths that try to leave the bucket.
      {"../x.mp4", "file_path must not contain '..' segments"},
      {"a/../../x.mp4", "file_path must not contain '..' segments"},
      {"../../../../../../etc/passwd", "file_path must not contain '..' segments"},
      {"x.mp4/..", "file_path must not contain '..' segments"},
      {"..", "file_path must not contain '..' segments"},
      {"/etc/passwd", "file_path must be relative, not start with '/'"},
      {"//x.mp4", "file_path must be relative, not start with '/'"},
      {"./x.mp4", "file_path has an empty or '.' segment"},
      {"a//x.mp4", "file_path has an empty or '.' segment"},
      {"..\\x.mp4", "file_path contains a backslash"},
      {"C:\\x.mp4", "file_path contains a backslash"},
  };
}

}  // namespace ve::testing
