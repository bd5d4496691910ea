// SPDX-License-Identifier: Apache-2.0
#include "adapters/amqp/broker_socket.hpp"

#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <sys/time.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>

#include "adapters/amqp/amqp_handles.hpp"

namespace ve::adapters::amqp {
namespace {

// Why OpenSSL rejected the broker's certificate chain during the handshake on this thread.
// rabbitmq-c 0.11 only reports AMQP_STATUS_SSL_PEER_VERIFY_FAILED; the reason ("unable to get
// local issuer certificate", "certificate has expired", "hostname mismatch") tells a person what
// to fix. The handshake runs on the calling thread, inside amqp_socket_open_noblock.
thread_local int t_verify_error = X509_V_OK;

int remember_verify_error(int ok, X509_STORE_CTX* store) {
  if (!ok && t_verify_error == X509_V_OK) t_verify_error = X509_STORE_CTX_get_error(store);
  return ok;  // rabbitmq-c leaves SSL_VERIFY_NONE: it checks the result after the handshake
}

// OpenSSL's default would prompt on the terminal for an encrypted key's passphrase.
int refuse_passphrase(char*, int, int, void*) { return 0; }

// The reason of the most recent OpenSSL error on this thread, and an empty queue afterwards.
std::string openssl_reason() {
  const unsigned long e = ERR_peek_last_error();
  const char* reason = e ? ERR_reason_error_string(e) : nullptr;
  ERR_clear_error();
  return reason ? reason : "no detail from OpenSSL";
}

// Whether `path` opens for reading; errno says why not. OpenSSL would only say "system lib".
bool readable(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return false;
  std::fclose(f);
  return true;
}

std::string broker(const core::AmqpSettings& s) {
  return "RabbitMQ at " + s.host + ":" + std::to_string(s.port) + (s.tls.enabled ? " (TLS)" : "");
}

core::Status set_up_tls(amqp_socket_t* socket, const core::AmqpSettings& s) {
  const core::AmqpTlsSettings& tls = s.tls;
  auto* ctx = static_cast<SSL_CTX*>(amqp_ssl_socket_get_context(socket));
  ERR_clear_error();
  if (!tls.ca_file.empty()) {
    if (!readable(tls.ca_file)) {
      return core::fail(core::Error::internal("RABBITMQ_TLS_CA_FILE " + tls.ca_file + " cannot be opened (" +
                                              std::strerror(errno) + ")"));
    }
    if (amqp_ssl_socket_set_cacert(socket, tls.ca_file.c_str()) != AMQP_STATUS_OK) {
      return core::fail(core::Error::internal("RABBITMQ_TLS_CA_FILE " + tls.ca_file +
                                              " cannot be read as PEM CA certificates (" + openssl_reason() + ")"));
    }
  } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {  // rabbitmq-c 0.11 loads no trust store itself
    return core::fail(core::Error::internal("cannot load the system's trust store (" + openssl_reason() +
                                            "); name a CA bundle in RABBITMQ_TLS_CA_FILE"));
  }
  if (!tls.cert_file.empty()) {
    for (const auto& [name, path] : {std::pair{"RABBITMQ_TLS_CERT_FILE", &tls.cert_file},
                                     std::pair{"RABBITMQ_TLS_KEY_FILE", &tls.key_file}}) {
      if (!readable(*path)) {
        return core::fail(core::Error::internal(std::string(name) + " " + *path + " cannot be opened (" +
                                                std::strerror(errno) + ")"));
      }
    }
    SSL_CTX_set_default_passwd_cb(ctx, refuse_passphrase);
    if (amqp_ssl_socket_set_key(socket, tls.cert_file.c_str(), tls.key_file.c_str()) != AMQP_STATUS_OK) {
      return core::fail(core::Error::internal(
          "RABBITMQ_TLS_CERT_FILE " + tls.cert_file + " and RABBITMQ_TLS_KEY_FILE " + tls.key_file +
          " cannot be used as the client certificate (" + openssl_reason() +
          "): both must be PEM, the key not encrypted and matching the certificate"));
    }
  }

  if (!tls.verify) {
    amqp_ssl_socket_set_verify_peer(socket, 0);
    amqp_ssl_socket_set_verify_hostname(socket, 0);
    static std::once_flag warned;
    std::call_once(warned, [&] {
      spdlog::warn("amqp: RABBITMQ_TLS_VERIFY=false: the certificate of {} is not checked, so anyone between "
                   "here and there can read and change the traffic, credentials included",
                   broker(s));
    });
    return {};
  }
  amqp_ssl_socket_set_verify_peer(socket, 1);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, remember_verify_error);
  // The host name (or IP address) is also checked by OpenSSL as part of the chain, where a
  // mismatch shows as "hostname mismatch" or "IP address mismatch". rabbitmq-c 0.11's own check
  // matches DNS names only, so for an IP address OpenSSL's is the check.
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, s.host.c_str()) == 1) {
    amqp_ssl_socket_set_verify_hostname(socket, 0);
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (X509_VERIFY_PARAM_set1_host(param, s.host.c_str(), 0) != 1) {
      return core::fail(core::Error::internal("cannot verify the host name '" + s.host + "' (" + openssl_reason() + ")"));
    }
    amqp_ssl_socket_set_verify_hostname(socket, 1);
  }
  return {};
}

core::Error verification_failed(const core::AmqpSettings& s, int status) {
  std::string reason = t_verify_error != X509_V_OK ? X509_verify_cert_error_string(t_verify_error)
                       : status == AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED ? "it does not name " + s.host
                                                                          : "no certificate";
  return core::Error::internal(
      "connecting to " + broker(s) + ": the server certificate could not be verified (" + reason +
      "). Check RABBITMQ_TLS_CA_FILE (it must hold the CA that signed the broker's certificate; empty means the "
      "system's trust store) and that the certificate is issued for '" + s.host +
      "' (the host in RABBITMQ_URL or RABBITMQ_DEFAULT_HOST). RABBITMQ_TLS_VERIFY=false skips the check, for tests "
      "only");
}

}  // namespace

core::Result<amqp_socket_t*> new_socket(amqp_connection_state_t connection, const core::AmqpSettings& s) {
  if (!s.tls.enabled) {
    amqp_socket_t* socket = amqp_tcp_socket_new(connection);
    if (!socket) return core::fail(core::Error::internal("amqp_tcp_socket_new: out of memory"));
    return socket;
  }
  // rabbitmq-c 0.11 initialises OpenSSL itself (OPENSSL_init_ssl) on the first TLS socket.
  amqp_socket_t* socket = amqp_ssl_socket_new(connection);
  if (!socket) return core::fail(core::Error::internal("amqp_ssl_socket_new failed (" + openssl_reason() + ")"));
  if (auto ok = set_up_tls(socket, s); !ok) return core::fail(ok.error());
  return socket;
}

core::Status open_socket(amqp_socket_t* socket, const core::AmqpSettings& s, std::chrono::milliseconds timeout) {
  const auto ms = timeout.count() < 0 ? 0 : timeout.count();
  timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  t_verify_error = X509_V_OK;
  ERR_clear_error();
  const int rc = amqp_socket_open_noblock(socket, s.host.c_str(), s.port, &tv);
  if (rc == AMQP_STATUS_OK) return {};
  if (rc == AMQP_STATUS_SSL_PEER_VERIFY_FAILED || rc == AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED) {
    ERR_clear_error();
    return core::fail(verification_failed(s, rc));
  }
  if (rc == AMQP_STATUS_SSL_CONNECTION_FAILED || rc == AMQP_STATUS_SSL_ERROR) {
    // Also what a broker restarting mid-handshake looks like, hence Transient.
    return core::fail(core::Error::transient(
        "connecting to " + broker(s) + ": the TLS handshake failed (" + openssl_reason() +
        "). Is port " + std::to_string(s.port) + " the broker's TLS port (usually 5671)? Does the broker require a "
        "client certificate (RABBITMQ_TLS_CERT_FILE, RABBITMQ_TLS_KEY_FILE)?"));
  }
  core::Error e = status_error(rc, "connecting to " + broker(s));
  e.message += " (is the broker running and reachable?)";
  return core::fail(std::move(e));
}

}  // namespace ve::adapters::amqp
