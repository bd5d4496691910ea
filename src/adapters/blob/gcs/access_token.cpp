// SPDX-License-Identifier: Apache-2.0
#include "adapters/blob/gcs/access_token.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "adapters/blob/http_exchange.hpp"
#include "adapters/blob/gcs/jwt.hpp"
#include "core/text_encoding.hpp"

namespace ve::adapters::blob::gcs {
namespace {

// "invalid_grant: Invalid JWT Signature." from an OAuth2 error body, or "" when there is none.
// These fields are Google's own words about the request, never the secret.
std::string oauth_error(const std::string& body) {
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object()) return "";
  std::string out;
  if (auto e = doc.find("error"); e != doc.end() && e->is_string()) out = e->get<std::string>();
  if (auto d = doc.find("error_description"); d != doc.end() && d->is_string()) out += ": " + d->get<std::string>();
  return out.substr(0, 300);
}

}  // namespace

AccessTokenProvider::AccessTokenProvider(ServiceAccount account, std::chrono::seconds refresh_margin)
    : account_(std::move(account)), refresh_margin_(refresh_margin) {}

core::Result<std::string> AccessTokenProvider::token() {
  // Held across the fetch on purpose: concurrent callers wait for one request instead of each
  // asking the endpoint for a token.
  std::lock_guard lock(mutex_);
  if (token_.empty() || std::chrono::steady_clock::now() >= refresh_at_) {
    if (auto fetched = fetch_locked(); !fetched) return core::fail(fetched.error());
  }
  return token_;
}

void AccessTokenProvider::invalidate(const std::string& stale) {
  std::lock_guard lock(mutex_);
  if (token_ == stale) token_.clear();
}

core::Status AccessTokenProvider::fetch_locked() {
  const auto now = std::chrono::steady_clock::now();
  auto assertion = make_jwt_assertion(account_, std::chrono::system_clock::now());
  if (!assertion) return core::fail(assertion.error());

  HttpRequest request;
  request.method = "POST";
  request.url = account_.token_uri;
  request.headers = {"Content-Type: application/x-www-form-urlencoded"};
  const std::string form = "grant_type=" + core::percent_encode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
                           "&assertion=" + core::percent_encode(*assertion);
  request.body.text = &form;
  request.timeout = std::chrono::seconds(30);
  const HttpResponse r = perform(request);

  const std::string where = "token endpoint " + account_.token_uri;
  if (r.curl_code != CURLE_OK) return core::fail(core::Error::transient("cannot reach " + where + ": " + r.curl_error));
  if (r.status == 400 || r.status == 401) {
    const std::string detail = oauth_error(r.body);
    return core::fail(core::Error::internal(
        "the service account credentials were rejected by " + where + " (HTTP " + std::to_string(r.status) +
        (detail.empty() ? "" : ", " + detail) + "): check that the key " + account_.source + " of " +
        account_.client_email + " still exists, is enabled and that the machine's clock is right"));
  }
  if (r.status >= 500 || r.status == 408 || r.status == 429) {
    return core::fail(core::Error::transient(where + " answered HTTP " + std::to_string(r.status)));
  }
  if (r.status != 200) {
    return core::fail(core::Error::internal(where + " answered HTTP " + std::to_string(r.status) + " " +
                                            oauth_error(r.body)));
  }
  const nlohmann::json doc = nlohmann::json::parse(r.body, nullptr, false);
  const auto token = doc.is_object() ? doc.find("access_token") : doc.end();
  const auto expires = doc.is_object() ? doc.find("expires_in") : doc.end();
  if (!doc.is_object() || token == doc.end() || !token->is_string() || token->get<std::string>().empty() ||
      expires == doc.end() || !expires->is_number()) {
    return core::fail(core::Error::internal(where + " answered without access_token and expires_in"));
  }
  // Measured from before the request, so network time only makes the token look older.
  const std::chrono::seconds lifetime(expires->get<long long>());
  token_ = token->get<std::string>();
  // A token granted for less than twice the margin is renewed halfway instead of on every call.
  refresh_at_ = now + lifetime - std::min(refresh_margin_, lifetime / 2);
  return {};
}

}  // namespace ve::adapters::blob::gcs

