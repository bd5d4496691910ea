// SPDX-License-Identifier: Apache-2.0
#include "support/rabbitmq_fixture.hpp"

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "adapters/amqp/amqp_handles.hpp"
#include "support/test_support.hpp"

namespace ve::testing {
namespace {

namespace fs = std::filesystem;
using adapters::amqp::as_bytes;
using adapters::amqp::to_string;

std::string script() { return VE_RABBITMQ_NODE_SCRIPT; }

// A value of DIR/node.env, written by the script.
std::string node_setting(const fs::path& dir, const std::string& key) {
  std::ifstream in(dir / "node.env");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  }
  return "";
}

// Starts (or keeps) the node in `dir` on fresh free ports. Tests do not need the management
// plugin, which makes every stop ~5 s slower.
CommandResult start_node(const fs::path& dir, const std::string& extra_env = "") {
  const std::string env = extra_env + "VE_RABBITMQ_MANAGEMENT=0 VE_RABBITMQ_PORT=" + std::to_string(free_local_port()) +
                          " VE_RABBITMQ_DIST_PORT=" + std::to_string(free_local_port()) +
                          " VE_EPMD_PORT=" + std::to_string(free_local_port()) +
                          " VE_RABBITMQ_MANAGEMENT_PORT=" + std::to_string(free_local_port());
  return run(env + " " + quote(script()) + " start " + quote(dir.string()));
}

CommandResult stop_node(const fs::path& dir) { return run(quote(script()) + " stop " + quote(dir.string())); }

// The environment that makes the node script open a TLS listener on a fresh free port.
std::string tls_env(const TlsTestFiles& f) {
  return "VE_RABBITMQ_TLS_PORT=" + std::to_string(free_local_port()) + " VE_RABBITMQ_TLS_CERT=" +
         quote(f.server_cert.string()) + " VE_RABBITMQ_TLS_KEY=" + quote(f.server_key.string()) +
         " VE_RABBITMQ_TLS_CA=" + quote(f.ca.string()) + " VE_RABBITMQ_TLS_VERIFY_CLIENT=optional ";
}

// Two attempts: a free port can be taken by someone else before the node binds it.
CommandResult start_node_twice(const fs::path& dir, const std::function<std::string()>& extra_env) {
  CommandResult r = start_node(dir, extra_env());
  if (r.exit_code != 0) {
    stop_node(dir);
    r = start_node(dir, extra_env());
  }
  return r;
}

void openssl(const std::string& arguments) {
  const CommandResult r = run("openssl " + arguments + " 2>&1");
  if (r.exit_code != 0) throw std::runtime_error("openssl " + arguments + " failed:\n" + r.output);
}

// A key and a certificate signed by `ca` (with `extensions`, a file of x509v3 settings).
void issue(const fs::path& dir, const std::string& name, const std::string& subject, const std::string& ca,
           const std::string& extensions) {
  const auto p = [&](const std::string& f) { return quote((dir / f).string()); };
  openssl("req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj " + quote(subject) + " -keyout " +
          p(name + ".key") + " -out " + p(name + ".csr"));
  openssl("x509 -req -days 2 -in " + p(name + ".csr") + " -CA " + p(ca + ".pem") + " -CAkey " + p(ca + ".key") +
          " -set_serial " + std::to_string(std::random_device{}() & 0x7fffffff) + " -extfile " + p(extensions) +
          " -out " + p(name + ".pem"));
}

fs::path make_temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "ve-rabbitmq-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

}  // namespace


TlsTestFiles tls_test_files_in(const fs::path& dir) {
  TlsTestFiles f;
  f.ca = dir / "ca.pem";
  f.other_ca = dir / "other-ca.pem";
  f.server_cert = dir / "server.pem";
  f.server_key = dir / "server.key";
  f.client_cert = dir / "client.pem";
  f.client_key = dir / "client.key";
  f.stranger_cert = dir / "stranger.pem";
  f.stranger_key = dir / "stranger.key";
  return f;
}

TlsTestFiles make_tls_test_files(const fs::path& dir, const std::string& server_names) {
  fs::create_directories(dir);
  const auto p = [&](const std::string& f) { return quote((dir / f).string()); };
  for (const std::string ca : {"ca", "other-ca"}) {
    openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj " +
            quote("/CN=video-encoder test " + ca) + " -keyout " + p(ca + ".key") + " -out " + p(ca + ".pem"));
  }
  write_bytes(dir / "server.ext", "subjectAltName=" + server_names +
                                      "\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
                                      "extendedKeyUsage=serverAuth\n");
  write_bytes(dir / "client.ext", "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n");
  issue(dir, "server", "/CN=video-encoder test broker", "ca", "server.ext");
  issue(dir, "client", "/CN=video-encoder", "ca", "client.ext");
  issue(dir, "stranger", "/CN=stranger", "other-ca", "client.ext");
  // The broker may run as another user than the one who made the files.
  for (const char* key : {"server.key", "client.key", "stranger.key"}) {
    fs::permissions(dir / key, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                   fs::perms::others_read);
  }
  return tls_test_files_in(dir);
}

int start_tls_node_in(const fs::path& dir, const std::string& server_names) {
  try {
    const fs::path certs = dir / "certs";
    const TlsTestFiles files = fs::exists(certs / "server.pem") ? tls_test_files_in(certs)
                                                                : make_tls_test_files(certs, server_names);
    const CommandResult r = start_node_twice(dir, [&] { return tls_env(files); });
    std::fputs(r.output.c_str(), stdout);
    return r.exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stdout, "%s\n", e.what());
    return 1;
  }
}

int start_node_in(const fs::path& dir) {
  // Two attempts: a free port can be taken by someone else before the node binds it.
  CommandResult r = start_node(dir);
  if (r.exit_code != 0) {
    stop_node(dir);
    r = start_node(dir);
  }
  std::fputs(r.output.c_str(), stdout);
  return r.exit_code;
}

int stop_node_in(const fs::path& dir) {
  const CommandResult r = stop_node(dir);
  std::fputs(r.output.c_str(), stdout);
  if (r.exit_code == 0) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return r.exit_code;
}

RabbitMqNode::RabbitMqNode(fs::path dir, bool owned) : dir_(std::move(dir)), owned_(owned) {}

std::unique_ptr<RabbitMqNode> RabbitMqNode::start_new() {
  std::unique_ptr<RabbitMqNode> node(new RabbitMqNode(make_temp_dir(), true));
  CommandResult r = start_node(node->dir_);
  if (r.exit_code != 0) {
    stop_node(node->dir_);
    r = start_node(node->dir_);
  }
  if (r.exit_code != 0) throw std::runtime_error("cannot start RabbitMQ in " + node->dir_.string() + ":\n" + r.output);
  node->read_port();
  return node;
}

std::unique_ptr<RabbitMqNode> RabbitMqNode::start_new_with_tls(const TlsTestFiles& files) {
  std::unique_ptr<RabbitMqNode> node(new RabbitMqNode(make_temp_dir(), true));
  const CommandResult r = start_node_twice(node->dir_, [&] { return tls_env(files); });
  if (r.exit_code != 0) throw std::runtime_error("cannot start RabbitMQ in " + node->dir_.string() + ":\n" + r.output);
  node->read_port();
  return node;
}

std::unique_ptr<RabbitMqNode> RabbitMqNode::attach(const fs::path& dir) {
  std::unique_ptr<RabbitMqNode> node(new RabbitMqNode(dir, false));
  node->read_port();
  return node;
}

RabbitMqNode::~RabbitMqNode() {
  if (!owned_) return;
  stop_node(dir_);
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void RabbitMqNode::read_port() {
  const std::string port = node_setting(dir_, "NODE_PORT");
  if (port.empty()) throw std::runtime_error("no RabbitMQ node was started in " + dir_.string());
  port_ = std::stoi(port);
  const std::string tls_port = node_setting(dir_, "TLS_PORT");
  tls_port_ = tls_port.empty() || tls_port == "none" ? 0 : std::stoi(tls_port);
}

void RabbitMqNode::stop() {
  const CommandResult r = stop_node(dir_);
  if (r.exit_code != 0) throw std::runtime_error("cannot stop RabbitMQ in " + dir_.string() + ":\n" + r.output);
}

void RabbitMqNode::start() {
  // No port variables: the node comes back on the ports saved in its folder.
  const CommandResult r = run(quote(script()) + " start " + quote(dir_.string()));
  if (r.exit_code != 0) throw std::runtime_error("cannot start RabbitMQ in " + dir_.string() + ":\n" + r.output);
}

void RabbitMqNode::rabbitmqctl(const std::vector<std::string>& commands) const {
  // The environment the script gives its own CLI calls: same HOME (hence cookie), node and epmd.
  const std::string node = node_setting(dir_, "NODENAME");
  const std::string ctl = "HOME=" + quote((dir_ / "home").string()) + " RABBITMQ_NODENAME=" + quote(node) +
                          " RABBITMQ_USE_LONGNAME=false ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=" +
                          node_setting(dir_, "EPMD_PORT") + " RABBITMQ_CONF_ENV_FILE=" +
                          quote((dir_ / "rabbitmq-env.conf").string()) + " /usr/lib/rabbitmq/bin/rabbitmqctl -q -n " +
                          quote(node) + " ";
  for (const std::string& args : commands) {
    const CommandResult r = run(ctl + args);
    if (r.exit_code != 0) throw std::runtime_error("rabbitmqctl " + args.substr(0, args.find(' ')) + " failed:\n" + r.output);
  }
}

void RabbitMqNode::add_user(const std::string& user, const std::string& password) {
  rabbitmqctl({"add_user " + quote(user) + " " + quote(password),
               "set_permissions -p " + quote(vhost_) + " " + quote(user) + " '.*' '.*' '.*'"});
}

std::unique_ptr<RabbitMqNode> RabbitMqNode::for_test() {
  const char* dir = std::getenv("VE_TEST_RABBITMQ_DIR");
  if (!dir || !*dir) return start_new();
  auto node = attach(dir);
  std::random_device random;
  node->vhost_ = "test-" + std::to_string(::getpid()) + "-" + std::to_string(random() & 0xffffff);
  node->rabbitmqctl({"add_vhost " + quote(node->vhost_),
                     "set_permissions -p " + quote(node->vhost_) + " guest '.*' '.*' '.*'"});
  return node;
}

core::AmqpSettings RabbitMqNode::settings() const {
  core::AmqpSettings s;
  s.host = "127.0.0.1";
  s.port = port_;
  s.user = "guest";
  s.password = "guest";
  s.vhost = vhost_;
  return s;
}

core::AmqpSettings RabbitMqNode::tls_settings() const {
  core::AmqpSettings s = settings();
  s.host = "localhost";
  s.port = tls_port_;
  s.tls.enabled = true;
  return s;
}

struct BrokerProbe::Connection {
  adapters::amqp::ConnectionHandle handle;
  amqp_channel_t channel = 0;
  uint64_t published = 0;

  amqp_connection_state_t get() const { return handle.get(); }

  void open_channel() {
    ++channel;
    amqp_channel_open(get(), channel);
    require("opening a channel");
    amqp_confirm_select(get(), channel);
    require("enabling confirms");
    published = 0;
  }

  // Whether the last RPC succeeded. A channel error (e.g. 404 for a missing queue) closes the
  // channel: acknowledge that and continue on a fresh one.
  bool ok(const std::string& doing) {
    const amqp_rpc_reply_t reply = amqp_get_rpc_reply(get());
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) return true;
    if (reply.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
      amqp_channel_close_ok_t close_ok{};
      amqp_send_method(get(), channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &close_ok);
      open_channel();
      return false;
    }
    throw std::runtime_error("probe: " + adapters::amqp::reply_error(reply, doing).message);
  }

  void require(const std::string& doing) {
    const amqp_rpc_reply_t reply = amqp_get_rpc_reply(get());
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
      throw std::runtime_error("probe: " + adapters::amqp::reply_error(reply, doing).message);
    }
  }
};

BrokerProbe::BrokerProbe(const core::AmqpSettings& s) : c_(std::make_unique<Connection>()) {
  c_->handle.reset(amqp_new_connection());
  amqp_socket_t* socket = amqp_tcp_socket_new(c_->get());
  timeval timeout{10, 0};
  if (!socket || amqp_socket_open_noblock(socket, s.host.c_str(), s.port, &timeout) != AMQP_STATUS_OK) {
    throw std::runtime_error("probe: cannot connect to " + s.host + ":" + std::to_string(s.port));
  }
  amqp_set_rpc_timeout(c_->get(), &timeout);
  const amqp_rpc_reply_t login = amqp_login(c_->get(), s.vhost.c_str(), 0, AMQP_DEFAULT_FRAME_SIZE, 0,
                                            AMQP_SASL_METHOD_PLAIN, s.user.c_str(), s.password.c_str());
  if (login.reply_type != AMQP_RESPONSE_NORMAL) {
    throw std::runtime_error("probe: " + adapters::amqp::reply_error(login, "logging in").message);
  }
  c_->open_channel();
}

BrokerProbe::~BrokerProbe() {
  if (c_ && c_->handle) amqp_connection_close(c_->get(), AMQP_REPLY_SUCCESS);
}

std::optional<BrokerMessage> BrokerProbe::get(const std::string& queue) {
  const amqp_rpc_reply_t reply = amqp_basic_get(c_->get(), c_->channel, as_bytes(queue), /*no_ack=*/1);
  if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
    throw std::runtime_error("probe: " + adapters::amqp::reply_error(reply, "basic.get on " + queue).message);
  }
  if (reply.reply.id == AMQP_BASIC_GET_EMPTY_METHOD) return std::nullopt;
  BrokerMessage m;
  m.redelivered = static_cast<const amqp_basic_get_ok_t*>(reply.reply.decoded)->redelivered != 0;
  adapters::amqp::MessageHandle message;
  const amqp_rpc_reply_t read = message.read(c_->get(), c_->channel);
  if (read.reply_type != AMQP_RESPONSE_NORMAL) {
    throw std::runtime_error("probe: " + adapters::amqp::reply_error(read, "reading a message").message);
  }
  const amqp_basic_properties_t& p = message.get().properties;
  m.body = to_string(message.get().body);
  if (p._flags & AMQP_BASIC_MESSAGE_ID_FLAG) m.message_id = to_string(p.message_id);
  if (p._flags & AMQP_BASIC_CONTENT_TYPE_FLAG) m.content_type = to_string(p.content_type);
  if (p._flags & AMQP_BASIC_DELIVERY_MODE_FLAG) m.delivery_mode = p.delivery_mode;
  amqp_maybe_release_buffers(c_->get());
  return m;
}

std::optional<BrokerMessage> BrokerProbe::wait_get(const std::string& queue, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (auto m = get(queue)) return m;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::optional<uint32_t> BrokerProbe::message_count(const std::string& queue) {
  const auto* ok = amqp_queue_declare(c_->get(), c_->channel, as_bytes(queue), /*passive=*/1, 0, 0, 0,
                                      amqp_empty_table);
  if (!c_->ok("checking queue " + queue)) return std::nullopt;
  return ok->message_count;
}

std::optional<uint32_t> BrokerProbe::consumer_count(const std::string& queue) {
  const auto* ok = amqp_queue_declare(c_->get(), c_->channel, as_bytes(queue), /*passive=*/1, 0, 0, 0,
                                      amqp_empty_table);
  if (!c_->ok("checking queue " + queue)) return std::nullopt;
  return ok->consumer_count;
}

bool BrokerProbe::exchange_exists(const std::string& exchange) {
  amqp_exchange_declare(c_->get(), c_->channel, as_bytes(exchange), amqp_cstring_bytes("direct"), /*passive=*/1, 0,
                        0, 0, amqp_empty_table);
  return c_->ok("checking exchange " + exchange);
}

void BrokerProbe::publish(const std::string& exchange, const std::string& routing_key, const std::string& body,
                          const std::string& message_id) {
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
  props.content_type = amqp_cstring_bytes("application/json");
  props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
  if (!message_id.empty()) {
    props._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
    props.message_id = as_bytes(message_id);
  }
  if (amqp_basic_publish(c_->get(), c_->channel, as_bytes(exchange), as_bytes(routing_key), 0, 0, &props,
                         as_bytes(body)) != AMQP_STATUS_OK) {
    throw std::runtime_error("probe: cannot publish");
  }
  const uint64_t seq = ++c_->published;
  while (true) {
    amqp_frame_t frame;
    timeval timeout{10, 0};
    if (amqp_simple_wait_frame_noblock(c_->get(), &frame, &timeout) != AMQP_STATUS_OK) {
      throw std::runtime_error("probe: no publisher confirm within 10 s");
    }
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) throw std::runtime_error("probe: publish nacked");
    if (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD) throw std::runtime_error("probe: channel closed");
    if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD &&
        static_cast<const amqp_basic_ack_t*>(frame.payload.method.decoded)->delivery_tag >= seq) {
      return;
    }
  }
}

void BrokerProbe::delete_queue(const std::string& queue) {
  amqp_queue_delete(c_->get(), c_->channel, as_bytes(queue), 0, 0);
  c_->ok("deleting queue " + queue);
}

void BrokerProbe::delete_exchange(const std::string& exchange) {
  amqp_exchange_delete(c_->get(), c_->channel, as_bytes(exchange), 0);
  c_->ok("deleting exchange " + exchange);
}

}  // namespace ve::testing
