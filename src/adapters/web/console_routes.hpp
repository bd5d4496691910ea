// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "adapters/web/http_server.hpp"

namespace ve::adapters::web {

// The web console over the job API and /outputs: GET / (the job list) and GET /jobs/<id> (one job)
// answer the same page, whose script shows either; GET /console/<file> the console's scripts, style
// and players, compiled into the binary (see console_assets.hpp). With a token set, GET /login
// shows a form and POST /login (form field "token") sets the session cookie and goes to /, or
// answers 401 with the form again; POST /logout clears the cookie. Without a token both go to /.
void add_console_routes(HttpServer& http);

}  // namespace ve::adapters::web
