// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string_view>

namespace ve::adapters::web {

// A file of the web console, compiled into the binary (static storage, never freed).
struct WebAsset {
  std::string_view name;          // as served under /console/, e.g. "app.js"
  std::string_view content;
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view etag;          // quoted, changes with the content
};

// The console file served as /console/<name>: the pages, scripts and style of web/console and the
// players from web/node_modules (dash.all.min.js, hls.min.js) with their licences (licenses.txt).
// Defined in a source generated at build time by cmake/embed_files.cmake.
std::optional<WebAsset> find_console_asset(std::string_view name);

}  // namespace ve::adapters::web
