// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

// libpq connection strings, in either form: a URI (postgresql://user:password@host:port/db?k=v)
// or key=value pairs. Pure string work; nothing here connects.
namespace ve::adapters::store {

// The DSN with connect_timeout=`seconds` added unless it already sets one, so that a call while
// the server is unreachable fails within a bound instead of hanging.
std::string with_connect_timeout(const std::string& dsn, int seconds);

// The passwords a DSN carries (URI user info, a password parameter), as written and decoded.
std::vector<std::string> dsn_secrets(std::string_view dsn);

// `text` with every occurrence of each secret replaced by "***": for error messages and logs.
std::string scrub(std::string text, const std::vector<std::string>& secrets);

}  // namespace ve::adapters::store
