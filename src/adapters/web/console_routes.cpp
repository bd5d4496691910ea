// SPDX-License-Identifier: Apache-2.0
#include "adapters/web/console_routes.hpp"

#include <httplib.h>

#include <algorithm>
#include <cassert>

#include "adapters/web/console_assets.hpp"

namespace ve::adapters::web {
namespace {

// Everything the pages load comes from this server: its scripts, the players, the API and
// /outputs (media segments; hls.js starts its worker from a blob: URL). Inline styles stay
// allowed because dash.js styles its subtitle overlay with them.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; worker-src 'self' blob:; media-src 'self' blob:; "
    "img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

std::string asset_text(std::string_view name) {
  const auto asset = find_console_asset(name);
  assert(asset && "the console's pages are embedded at build time");
  return asset ? std::string(asset->content) : std::string();
}

void send_html(httplib::Response& res, int status, const std::string& html) {
  res.status = status;
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "same-origin");
  res.set_header("Cache-Control", "no-store");
  res.set_content(html, "text/html; charset=utf-8");
}

void redirect(httplib::Response& res, const char* to) {
  res.status = 303;
  res.set_header("Location", to);
}

// The console page; its script shows the logout button when a login is required.
std::string console_page(bool login_required) {
  std::string html = asset_text("index.html");
  if (login_required) {
    const auto at = html.find("<body>");
    if (at != std::string::npos) html.replace(at, 6, R"(<body data-login="required">)");
  }
  return html;
}

std::string login_page(std::string_view message) {
  std::string html = asset_text("login.html");
  constexpr std::string_view kSlot = "<!--message-->";
  if (const auto at = html.find(kSlot); at != std::string::npos) html.replace(at, kSlot.size(), message);
  return html;
}

void send_asset(const httplib::Request& req, httplib::Response& res, const WebAsset& asset) {
  res.set_header("X-Content-Type-Options", "nosniff");
  // Revalidated on every use: a new binary may serve new files under the same names.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("ETag", std::string(asset.etag));
  if (req.get_header_value("If-None-Match") == asset.etag) {
    res.status = 304;
    return;
  }
  // Through a content provider of known length, which cpp-httplib sends as it is: it would compress
  // a body set with set_content for every request, and Brotli at its default quality takes seconds
  // for the 800 KB of dash.js.
  const std::string_view content = asset.content;
  res.set_content_provider(content.size(), std::string(asset.content_type),
                           [content](size_t offset, size_t length, httplib::DataSink& sink) {
                             if (offset >= content.size()) return true;
                             return sink.write(content.data() + offset, std::min(length, content.size() - offset));
                           });
}

}  // namespace

void add_console_routes(HttpServer& http) {
  auto& server = http.server();
  const bool login_required = http.requires_token();

  const auto page = [login_required](const httplib::Request&, httplib::Response& res) {
    send_html(res, 200, console_page(login_required));
  };
  server.Get("/", page);
  server.Get(R"(/jobs/[^/]+)", page);

  server.Get(R"(/console/([A-Za-z0-9_.-]+))", [](const httplib::Request& req, httplib::Response& res) {
    const auto asset = find_console_asset(req.matches[1].str());
    if (!asset) {
      res.status = 404;
      res.set_content("no such console file\n", "text/plain; charset=utf-8");
      return;
    }
    send_asset(req, res, *asset);
  });

  server.Get("/login", [login_required](const httplib::Request&, httplib::Response& res) {
    if (!login_required) return redirect(res, "/");
    send_html(res, 200, login_page(""));
  });

  // The token arrives as a form field; it is compared in constant time and never logged or echoed.
  server.Post("/login", [&http, login_required](const httplib::Request& req, httplib::Response& res) {
    if (!login_required) return redirect(res, "/");
    const std::string token = req.get_param_value("token");
    if (token.empty() || !http.authorized("Bearer " + token, "")) {
      return send_html(res, 401, login_page(R"(<p class="banner error" role="alert">Wrong token.</p>)"));
    }
    res.set_header("Set-Cookie", std::string(HttpServer::kSessionCookie) + "=" + http.session_cookie_value() +
                                     "; HttpOnly; SameSite=Strict; Path=/");
    redirect(res, "/");
  });

  server.Post("/logout", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Set-Cookie", std::string(HttpServer::kSessionCookie) + "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    redirect(res, "/login");
  });
}

}  // namespace ve::adapters::web
