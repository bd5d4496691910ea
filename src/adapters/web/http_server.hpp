// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "core/http_address.hpp"

namespace httplib {
class Server;
}

namespace ve::adapters::web {

// serve's HTTP server (cpp-httplib): one listening socket, a small pool of request threads, request
// bodies limited to 1 MiB. Routes are added to server() before start(). When a token is set, every
// path except /healthz, /readyz, /metrics, /login and the console's static files (/console/...,
// which hold no data) needs it, as "Authorization: Bearer <token>" or as the console's session
// cookie (see session_cookie_value); it is compared in constant time and never logged. Answers 401
// otherwise (JSON for /api and /outputs, a redirect to /login for pages).
class HttpServer {
 public:
  explicit HttpServer(std::string token);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  httplib::Server& server() { return *server_; }

  // Binds `address` and answers on a thread of its own until stop(). Internal naming the address
  // when it cannot be bound (in use, not an address of this machine).
  core::Status start(const core::HttpAddress& address);
  // Stops accepting and waits for the requests in progress. Idempotent.
  void stop();

  static constexpr const char* kSessionCookie = "ve_session";

  // Whether a token is configured (the console then asks for it).
  bool requires_token() const { return !token_.empty(); }
  // Whether `token` matches the configured one (constant time); always true when none is set.
  bool authorized(const std::string& authorization_header, const std::string& cookie_header) const;
  // The console session cookie's value for this token (an HMAC of it, so the cookie never holds
  // the token itself).
  std::string session_cookie_value() const;

 private:
  std::string token_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace ve::adapters::web
