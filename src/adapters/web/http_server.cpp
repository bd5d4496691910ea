// SPDX-License-Identifier: Apache-2.0
#include "adapters/web/http_server.hpp"

#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spdlog/spdlog.h>

#include <array>

namespace ve::adapters::web {
namespace {

constexpr size_t kMaxBody = 1 << 20;

bool is_open_path(const std::string& path) {
  // /login must answer to be logged in; the console's files (/console/<name>, no deeper) hold no
  // data, and the login page uses its style.
  constexpr std::string_view kConsole = "/console/";
  const bool console_file = path.rfind(kConsole, 0) == 0 && path.find('/', kConsole.size()) == std::string::npos;
  return path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/login" || console_file;
}

// The console's own pages (and their scripts) may be shown a login form; the API gets JSON.
bool is_api_path(const std::string& path) { return path.rfind("/api/", 0) == 0 || path.rfind("/outputs/", 0) == 0; }

bool equal_in_constant_time(const std::string& a, const std::string& b) {
  // Compare digests so the time does not depend on where, or whether, the lengths differ.
  std::array<unsigned char, 32> da{}, db{};
  unsigned int n = 0;
  EVP_Digest(a.data(), a.size(), da.data(), &n, EVP_sha256(), nullptr);
  EVP_Digest(b.data(), b.size(), db.data(), &n, EVP_sha256(), nullptr);
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

std::string cookie_value(const std::string& cookies, std::string_view name) {
  size_t at = 0;
  while (at < cookies.size()) {
    const size_t end = std::min(cookies.find(';', at), cookies.size());
    std::string_view pair(cookies.data() + at, end - at);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    at = end + 1;
  }
  return {};
}

}  // namespace

HttpServer::HttpServer(std::string token) : token_(std::move(token)), server_(std::make_unique<httplib::Server>()) {
  server_->set_payload_max_length(kMaxBody);
  server_->new_task_queue = [] { return new httplib::ThreadPool(4); };
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (token_.empty() || is_open_path(req.path)) return httplib::Server::HandlerResponse::Unhandled;
    if (authorized(req.get_header_value("Authorization"), req.get_header_value("Cookie"))) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    res.status = 401;
    if (is_api_path(req.path)) {
      res.set_header("WWW-Authenticate", "Bearer");
      res.set_content(R"({"error":"missing or wrong token: send Authorization: Bearer <HTTP_TOKEN>"})", "application/json");
    } else {
      res.status = 303;
      res.set_header("Location", "/login");
    }
    return httplib::Server::HandlerResponse::Handled;
  });
  server_->set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr e) {
    std::string what = "unknown error";
    try {
      if (e) std::rethrow_exception(e);
    } catch (const std::exception& x) {
      what = x.what();
    } catch (...) {
    }
    spdlog::error("http: {} {} failed: {}", req.method, req.path, what);
    res.status = 500;
    res.set_content(R"({"error":"internal error, see the service's log"})", "application/json");
  });
}

HttpServer::~HttpServer() { stop(); }

core::Status HttpServer::start(const core::HttpAddress& address) {
  if (!server_->bind_to_port(address.host, address.port)) {
    return core::fail(core::Error::internal("cannot listen on HTTP_ADDR=" + core::to_string(address) +
                                            " (in use by another process, or not an address of this machine)"));
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  spdlog::info("http: listening on {}{}", core::to_string(address), token_.empty() ? "" : " (token required)");
  return {};
}

void HttpServer::stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

bool HttpServer::authorized(const std::string& authorization_header, const std::string& cookie_header) const {
  if (token_.empty()) return true;
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization_header.rfind(kBearer, 0) == 0 &&
      equal_in_constant_time(authorization_header.substr(kBearer.size()), token_)) {
    return true;
  }
  const std::string cookie = cookie_value(cookie_header, kSessionCookie);
  return !cookie.empty() && equal_in_constant_time(cookie, session_cookie_value());
}

std::string HttpServer::session_cookie_value() const {
  static constexpr std::string_view kPurpose = "video-encoder console session";
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int n = 0;
  HMAC(EVP_sha256(), token_.data(), static_cast<int>(token_.size()), reinterpret_cast<const unsigned char*>(kPurpose.data()),
       kPurpose.size(), mac.data(), &n);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < n; ++i) {
    hex += kHex[mac[i] >> 4];
    hex += kHex[mac[i] & 15];
  }
  return hex;
}

}  // namespace ve::adapters::web
