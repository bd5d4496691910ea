// SPDX-License-Identifier: Apache-2.0
#include "core/config.hpp"

#include <cctype>
#include <charconv>
#include <optional>
#include <regex>
#include <sstream>

#include "core/amqp_uri.hpp"
#include "core/text_encoding.hpp"

namespace ve::core {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

Error bad(const std::string& name, const std::string& why) {
  return Error::invalid_input("configuration: " + name + " " + why);
}

Status read_int(const Settings& s, const char* name, int min, int max, int& out) {
  const auto it = s.find(name);
  if (it == s.end() || it->second.empty()) return {};
  int v = 0;
  const auto& text = it->second;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return fail(bad(name, "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
                              ", not '" + text + "'"));
  }
  out = v;
  return {};
}

Status read_bool(const Settings& s, const char* name, bool& out) {
  const auto it = s.find(name);
  if (it == s.end() || it->second.empty()) return {};
  const std::string& v = it->second;
  if (v == "true" || v == "TRUE" || v == "True" || v == "1" || v == "yes") {
    out = true;
  } else if (v == "false" || v == "FALSE" || v == "False" || v == "0" || v == "no") {
    out = false;
  } else {
    return fail(bad(name, "must be true or false, not '" + v + "'"));
  }
  return {};
}

void read_string(const Settings& s, const char* name, std::string& out) {
  const auto it = s.find(name);
  if (it != s.end() && !it->second.empty()) out = it->second;
}

Status read_name(const Settings& s, const char* name, std::string& out) {
  read_string(s, name, out);
  static const std::regex kSafe("[A-Za-z0-9._:/-]{1,255}");
  if (!std::regex_match(out, kSafe)) return fail(bad(name, "must be 1-255 letters, digits or . _ : / -"));
  return {};
}

// A bucket name or s3:// / gs:// location, checked the way the storage backends will use it.
Status read_bucket(const Settings& s, const char* name, StorageBackend default_backend, std::string& out) {
  read_string(s, name, out);
  if (auto location = parse_bucket_location(out, default_backend); !location) {
    return fail(bad(name, "must be a bucket name or s3://bucket/prefix or gs://bucket/prefix: " +
                              location.error().message));
  }
  return {};
}

Status read_storage(const Settings& s, StorageSettings& out) {
  if (const auto it = s.find("STORAGE_BACKEND"); it != s.end() && !it->second.empty()) {
    if (it->second == "local") out.backend = StorageBackend::Local;
    else if (it->second == "s3") out.backend = StorageBackend::S3;
    else if (it->second == "gcs") out.backend = StorageBackend::Gcs;
    else return fail(bad("STORAGE_BACKEND", "must be local, s3 or gcs, not '" + it->second + "'"));
  }
  read_string(s, "S3_ENDPOINT", out.s3_endpoint);
  read_string(s, "S3_REGION", out.s3_region);
  read_string(s, "S3_ACCESS_KEY_ID", out.s3_access_key_id);
  read_string(s, "S3_SECRET_ACCESS_KEY", out.s3_secret_access_key);
  if (!out.s3_endpoint.empty() && !out.s3_endpoint.starts_with("http://") && !out.s3_endpoint.starts_with("https://")) {
    return fail(bad("S3_ENDPOINT", "must start with http:// or https://"));
  }
  read_string(s, "GCS_ENDPOINT", out.gcs_endpoint);
  if (!out.gcs_endpoint.empty() && !out.gcs_endpoint.starts_with("http://") && !out.gcs_endpoint.starts_with("https://")) {
    return fail(bad("GCS_ENDPOINT", "must start with http:// or https://"));
  }
  std::string credentials;
  read_string(s, "GOOGLE_APPLICATION_CREDENTIALS", credentials);
  out.google_credentials = credentials;
  if (auto ok = read_bool(s, "S3_FORCE_PATH_STYLE", out.s3_force_path_style); !ok) return ok;
  return read_bool(s, "STORAGE_PUBLIC_READ", out.public_read);
}

bool is_set(const Settings& s, const char* name) {
  const auto it = s.find(name);
  return it != s.end() && !it->second.empty();
}

// RABBITMQ_URL (which replaces the RABBITMQ_DEFAULT_* address) and the RABBITMQ_TLS* settings.
Status read_amqp_connection(const Settings& s, AmqpSettings& out) {
  AmqpTlsSettings& tls = out.tls;
  if (auto ok = read_bool(s, "RABBITMQ_TLS", tls.enabled); !ok) return ok;
  if (auto ok = read_bool(s, "RABBITMQ_TLS_VERIFY", tls.verify); !ok) return ok;
  read_string(s, "RABBITMQ_TLS_CA_FILE", tls.ca_file);
  read_string(s, "RABBITMQ_TLS_CERT_FILE", tls.cert_file);
  read_string(s, "RABBITMQ_TLS_KEY_FILE", tls.key_file);
  if (is_set(s, "RABBITMQ_URL")) {
    auto uri = parse_amqp_uri(s.at("RABBITMQ_URL"));
    if (!uri) return fail(bad("RABBITMQ_URL", uri.error().message));
    if (is_set(s, "RABBITMQ_TLS") && tls.enabled != uri->tls) {
      return fail(bad("RABBITMQ_TLS", uri->tls ? "is false but RABBITMQ_URL starts with amqps:// (TLS): drop one of them"
                                               : "is true but RABBITMQ_URL starts with amqp:// (no TLS): use amqps://"));
    }
    tls.enabled = uri->tls;
    out.user = uri->user;
    out.password = uri->password;
    out.host = uri->host;
    out.port = uri->port;
    out.vhost = uri->vhost;
  } else if (tls.enabled && !is_set(s, "RABBITMQ_DEFAULT_PORT")) {
    out.port = 5671;  // the AMQPS port
  }
  if (!tls.enabled) {
    // Refusing beats silently talking in plain text to someone who meant TLS.
    for (const char* name : {"RABBITMQ_TLS_CA_FILE", "RABBITMQ_TLS_CERT_FILE", "RABBITMQ_TLS_KEY_FILE"}) {
      if (is_set(s, name)) return fail(bad(name, "is set but TLS is off: set RABBITMQ_TLS=true or use an amqps:// RABBITMQ_URL"));
    }
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return fail(bad(tls.cert_file.empty() ? "RABBITMQ_TLS_CERT_FILE" : "RABBITMQ_TLS_KEY_FILE",
                    "is missing: a client certificate needs both RABBITMQ_TLS_CERT_FILE and RABBITMQ_TLS_KEY_FILE"));
  }
  return {};
}

// "amqps://user:***@host:5671/%2F" for logs.
std::string masked_amqp_address(const AmqpSettings& a) {
  const std::string host = a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host;
  return std::string(a.tls.enabled ? "amqps://" : "amqp://") + percent_encode(a.user) + ":***@" + host + ":" +
         std::to_string(a.port) + "/" + percent_encode(a.vhost);
}

}  // namespace

Result<Settings> parse_dotenv(std::string_view text) {
  Settings out;
  int line_no = 0;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = trim(text.substr(start, end - start));
    ++line_no;
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line = trim(line.substr(7));
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return fail(Error::invalid_input(".env line " + std::to_string(line_no) + ": expected KEY=VALUE"));
    }
    std::string_view key = trim(line.substr(0, eq));
    std::string_view value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (const size_t hash = value.find(" #"); hash != std::string_view::npos) {
      value = trim(value.substr(0, hash));
    }
    out[std::string(key)] = std::string(value);
  }
  return out;
}

namespace {

Status read_http(const Settings& s, Config& c) {
  if (const auto it = s.find("HTTP_TOKEN"); it != s.end()) {
    c.http_token = it->second;
    if (!c.http_token.empty() && c.http_token.size() < 16) {
      return fail(bad("HTTP_TOKEN", "must be at least 16 characters (e.g. the output of `openssl rand -hex 24`)"));
    }
  }
  if (const auto it = s.find("HTTP_ADDR"); it != s.end()) {
    if (it->second.empty()) {
      c.http_address.reset();
      return {};
    }
    auto address = parse_http_address(it->second);
    if (!address) return fail(bad("HTTP_ADDR", address.error().message));
    c.http_address = *address;
  }
  if (c.http_address && !is_loopback(*c.http_address) && c.http_token.empty()) {
    return fail(bad("HTTP_ADDR", to_string(*c.http_address) +
                                     " is reachable from other machines, and without HTTP_TOKEN anyone there could "
                                     "read every job and output and submit jobs: set HTTP_TOKEN, or listen on "
                                     "127.0.0.1"));
  }
  return {};
}

}  // namespace

Result<Config> load_config(const Settings& s) {
  Config c;
  if (const auto it = s.find("DB_TYPE"); it != s.end() && !it->second.empty()) {
    if (it->second == "sqlite3" || it->second == "sqlite") {
      c.database = DatabaseType::Sqlite;
    } else if (it->second == "postgres" || it->second == "postgresql") {
      c.database = DatabaseType::Postgres;
    } else {
      return fail(bad("DB_TYPE", "must be sqlite3 or postgres, not '" + it->second + "'"));
    }
  }
  read_string(s, "DSN", c.dsn);
  if (c.database == DatabaseType::Postgres && c.dsn.empty()) {
    return fail(bad("DSN", "is required when DB_TYPE is postgres (e.g. postgresql://user:pass@127.0.0.1:5432/db)"));
  }
  std::string path;
  read_string(s, "localStoragePath", path);
  if (!path.empty()) c.local_storage_path = path;
  if (c.dsn.empty()) c.dsn = (c.local_storage_path / "video-encoder.db").string();
  read_string(s, "STORAGE_ROOT", path = "");
  if (!path.empty()) c.storage_root = path;
  if (auto ok = read_storage(s, c.storage); !ok) return fail(ok.error());
  const StorageBackend backend = c.storage.backend;
  for (auto ok : {read_bool(s, "AUTO_MIGRATE_DB", c.auto_migrate), read_bool(s, "DEBUG", c.debug),
                  read_bucket(s, "inputBucketName", backend, c.input_bucket),
                  read_bucket(s, "outputBucketName", backend, c.output_bucket),
                  read_int(s, "CONCURRENCY_WORKERS", 1, 256, c.workers),
                  read_int(s, "CONCURRENCY_UPLOAD", 1, 256, c.upload_concurrency),
                  read_int(s, "SHUTDOWN_GRACE_SECONDS", 0, 86400, c.shutdown_grace_seconds),
                  read_int(s, "STUCK_JOB_SECONDS", 0, 7 * 86400, c.stuck_job_seconds),
                  read_int(s, "LOCAL_STORAGE_MIN_FREE_MB", 0, 1 << 30, c.local_storage_min_free_mb),
                  read_int(s, "RABBITMQ_DEFAULT_PORT", 1, 65535, c.amqp.port),
                  read_name(s, "RABBITMQ_CONSUMER_QUEUE_NAME", c.amqp.queue),
                  read_name(s, "RABBITMQ_NOTIFICATION_EX", c.amqp.notification_exchange),
                  read_name(s, "RABBITMQ_NOTIFICATION_ROUTING_KEY", c.amqp.routing_key),
                  read_name(s, "RABBITMQ_DLX", c.amqp.dead_letter_exchange),
                  read_name(s, "RABBITMQ_CONSUMER_NAME", c.amqp.consumer_name)}) {
    if (!ok) return fail(ok.error());
  }
  read_string(s, "RABBITMQ_DEFAULT_USER", c.amqp.user);
  read_string(s, "RABBITMQ_DEFAULT_PASS", c.amqp.password);
  read_string(s, "RABBITMQ_DEFAULT_HOST", c.amqp.host);
  read_string(s, "RABBITMQ_DEFAULT_VHOST", c.amqp.vhost);
  if (auto ok = read_amqp_connection(s, c.amqp); !ok) return fail(ok.error());
  if (const auto it = s.find("SEGMENT_DURATION"); it != s.end() && !it->second.empty()) {
    try {
      size_t used = 0;
      c.segment_duration_seconds = std::stod(it->second, &used);
      if (used != it->second.size() || !(c.segment_duration_seconds >= 0.1 && c.segment_duration_seconds <= 600)) {
        throw std::invalid_argument("range");
      }
    } catch (const std::exception&) {
      return fail(bad("SEGMENT_DURATION", "must be a number of seconds from 0.1 to 600"));
    }
  }
  if (const auto it = s.find("OUTPUT_FORMATS"); it != s.end() && !it->second.empty()) {
    auto formats = parse_output_formats(it->second);
    if (!formats) return fail(bad("OUTPUT_FORMATS", formats.error().message));
    c.output_formats = *formats;
  }
  if (const auto it = s.find("RENDITIONS"); it != s.end() && !it->second.empty()) {
    auto renditions = parse_renditions(it->second);
    if (!renditions) return fail(bad("RENDITIONS", renditions.error().message));
    c.renditions = *renditions;
  }
  if (const auto it = s.find("X264_PRESET"); it != s.end() && !it->second.empty()) {
    auto preset = parse_x264_preset(it->second);
    if (!preset) return fail(bad("X264_PRESET", preset.error().message));
    c.x264_preset = *preset;
  }
  if (const auto it = s.find("AUDIO_BITRATE"); it != s.end() && !it->second.empty()) {
    auto rate = parse_audio_bitrate(it->second);
    if (!rate) return fail(bad("AUDIO_BITRATE", rate.error().message));
    c.audio_bitrate = *rate;
  }
  if (auto ok = read_http(s, c); !ok) return fail(ok.error());
  c.amqp.prefetch = c.workers;
  return c;
}

std::string describe(const Config& c) {
  // postgresql://user:secret@host/db -> postgresql://user:***@host/db; key=value DSNs lose password=.
  std::string dsn = std::regex_replace(c.dsn, std::regex("(://[^:/@]*:)[^@]*@"), "$1***@");
  dsn = std::regex_replace(dsn, std::regex("(password\\s*=\\s*)('[^']*'|\\S+)"), "$1***");
  std::ostringstream o;
  o << "DB_TYPE=" << (c.database == DatabaseType::Sqlite ? "sqlite3" : "postgres") << " DSN=" << dsn
    << " localStoragePath=" << c.local_storage_path.string()
    << " LOCAL_STORAGE_MIN_FREE_MB=" << c.local_storage_min_free_mb << " STORAGE_ROOT=" << c.storage_root.string()
    << " inputBucketName=" << c.input_bucket << " outputBucketName=" << c.output_bucket
    << " CONCURRENCY_WORKERS=" << c.workers << " CONCURRENCY_UPLOAD=" << c.upload_concurrency
    << " SHUTDOWN_GRACE_SECONDS=" << c.shutdown_grace_seconds << " STUCK_JOB_SECONDS=" << c.stuck_job_seconds
    << " RABBITMQ=" << masked_amqp_address(c.amqp)
    << " queue=" << c.amqp.queue << " exchange=" << c.amqp.notification_exchange
    << " routing_key=" << c.amqp.routing_key << " dlx=" << c.amqp.dead_letter_exchange
    << " STORAGE_BACKEND=" << to_string(c.storage.backend)
    << " HTTP_ADDR=" << (c.http_address ? to_string(*c.http_address) : "(off)")
    << " HTTP_TOKEN=" << (c.http_token.empty() ? "(none)" : "***");
  if (c.amqp.tls.enabled) {
    o << " RABBITMQ_TLS_CA_FILE=" << (c.amqp.tls.ca_file.empty() ? "(system trust store)" : c.amqp.tls.ca_file);
    if (!c.amqp.tls.verify) o << " RABBITMQ_TLS_VERIFY=false";
    if (!c.amqp.tls.cert_file.empty()) o << " RABBITMQ_TLS_CERT_FILE=" << c.amqp.tls.cert_file;
  }
  if (!c.storage.s3_endpoint.empty()) o << " S3_ENDPOINT=" << c.storage.s3_endpoint;
  if (!c.storage.s3_access_key_id.empty()) o << " S3_ACCESS_KEY_ID=" << c.storage.s3_access_key_id << " S3_SECRET_ACCESS_KEY=***";
  if (!c.storage.google_credentials.empty()) o << " GOOGLE_APPLICATION_CREDENTIALS=" << c.storage.google_credentials.string();
  return o.str();
}

}  // namespace ve::core
