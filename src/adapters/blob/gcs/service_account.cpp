// SPDX-License-Identifier: Apache-2.0
#include "adapters/blob/gcs/service_account.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ve::adapters::blob::gcs {
namespace {

core::Error bad(const std::string& source, const std::string& why) {
  return core::Error::invalid_input("service account key " + source + ": " + why +
                                    " (expected a JSON key created for a service account, e.g. with "
                                    "`gcloud iam service-accounts keys create`)");
}

core::Result<std::string> string_field(const nlohmann::json& doc, const char* name, const std::string& source) {
  const auto it = doc.find(name);
  if (it == doc.end()) return core::fail(bad(source, std::string("missing field \"") + name + "\""));
  if (!it->is_string()) return core::fail(bad(source, std::string("field \"") + name + "\" is not a string"));
  std::string value = it->get<std::string>();
  if (value.empty()) return core::fail(bad(source, std::string("field \"") + name + "\" is empty"));
  return value;
}

}  // namespace

core::Result<ServiceAccount> parse_service_account(std::string_view json, const std::string& source) {
  // Parse without exceptions: nlohmann's parse error text may quote the input, i.e. the key.
  const nlohmann::json doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded()) return core::fail(bad(source, "not valid JSON"));
  if (!doc.is_object()) return core::fail(bad(source, "not a JSON object"));

  auto type = string_field(doc, "type", source);
  if (!type) return core::fail(type.error());
  if (*type != "service_account") {
    return core::fail(bad(source, "field \"type\" is \"" + *type + "\", not \"service_account\""));
  }
  ServiceAccount account;
  account.source = source;
  struct Field {
    const char* name;
    std::string* into;
  };
  for (const Field& f : {Field{"client_email", &account.client_email}, Field{"private_key", &account.private_key},
                         Field{"private_key_id", &account.private_key_id}, Field{"token_uri", &account.token_uri}}) {
    auto value = string_field(doc, f.name, source);
    if (!value) return core::fail(value.error());
    *f.into = std::move(*value);
  }
  if (account.private_key.find("-----BEGIN PRIVATE KEY-----") == std::string::npos &&
      account.private_key.find("-----BEGIN RSA PRIVATE KEY-----") == std::string::npos) {
    return core::fail(bad(source, "field \"private_key\" is not a PEM private key"));
  }
  if (account.token_uri.rfind("https://", 0) != 0 && account.token_uri.rfind("http://", 0) != 0) {
    return core::fail(bad(source, "field \"token_uri\" is not an http(s) URL"));
  }
  return account;
}

core::Result<ServiceAccount> load_service_account(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return core::fail(core::Error::invalid_input("cannot read service account key " + file.string() +
                                                 " (check GOOGLE_APPLICATION_CREDENTIALS and the file's permissions)"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_service_account(text.str(), file.string());
}

}  // namespace ve::adapters::blob::gcs
