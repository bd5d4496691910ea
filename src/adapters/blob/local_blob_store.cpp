// SPDX-License-Identifier: Apache-2.0
#include "adapters/blob/local_blob_store.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>

#include "core/job_request.hpp"

namespace ve::adapters::blob {
namespace {

core::Status copy_atomically(const std::filesystem::path& from, const std::filesystem::path& to) {
  // Written beside the target and renamed, so a reader never sees half a file.
  static std::atomic<unsigned> counter{0};
  std::ostringstream tmp_name;
  tmp_name << '.' << to.filename().string() << ".part-" << ::getpid() << '-' << counter.fetch_add(1);
  const auto tmp = to.parent_path() / tmp_name.str();
  std::error_code ec;
  std::filesystem::create_directories(to.parent_path(), ec);
  if (ec) return core::fail(core::Error::internal("cannot create " + to.parent_path().string() + ": " + ec.message()));
  // copy_file streams in the kernel (sendfile/copy_file_range); nothing is held in memory.
  std::filesystem::copy_file(from, tmp, std::filesystem::copy_options::overwrite_existing, ec);
  if (!ec) std::filesystem::rename(tmp, to, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    return core::fail(core::Error::internal("cannot copy " + from.string() + " to " + to.string() + ": " + ec.message()));
  }
  return {};
}

}  // namespace

core::Result<std::filesystem::path> LocalBlobStore::object_path(const std::string& bucket, const std::string& key) const {
  if (auto ok = core::validate_object_key(bucket); !ok || bucket.find('/') != std::string::npos) {
    return core::fail(core::Error::invalid_input("invalid bucket name '" + bucket + "'"));
  }
  if (auto ok = core::validate_object_key(key); !ok) return core::fail(ok.error());
  return root_ / bucket / key;
}

core::Result<std::filesystem::path> LocalBlobStore::existing_object(const std::string& bucket,
                                                                   const std::string& key) const {
  auto path = object_path(bucket, key);
  if (!path) return core::fail(path.error());
  std::error_code ec;
  if (!std::filesystem::is_regular_file(*path, ec)) {
    return core::fail(core::Error::not_found("input not found: " + bucket + "/" + key));
  }
  // Links inside the bucket are followed, but the file must stay inside it: a link must not read
  // (and publish) a file from elsewhere on the machine.
  const auto real = std::filesystem::canonical(*path, ec);
  const auto base = ec ? std::filesystem::path() : std::filesystem::canonical(root_ / bucket, ec);
  if (ec) return core::fail(core::Error::not_found("input not found: " + bucket + "/" + key + " (" + ec.message() + ")"));
  const auto [b, r] = std::mismatch(base.begin(), base.end(), real.begin(), real.end());
  if (b != base.end()) {
    return core::fail(core::Error::invalid_input(bucket + "/" + key +
                                                 " is a symbolic link leading outside the bucket; refused"));
  }
  return real;
}

core::Status LocalBlobStore::download(const std::string& bucket, const std::string& key, const std::filesystem::path& to,
                                     std::stop_token /*cancel: a local copy is not interrupted*/,
                                     const ports::DownloadProgress& progress) {
  auto path = existing_object(bucket, key);
  if (!path) return core::fail(path.error());
  auto copied = copy_atomically(*path, to);
  if (copied && progress) {
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(to, ec);
    if (!ec) progress(static_cast<uint64_t>(bytes));
  }
  return copied;
}

core::Result<uint64_t> LocalBlobStore::size(const std::string& bucket, const std::string& key) {
  auto path = existing_object(bucket, key);
  if (!path) return core::fail(path.error());
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(*path, ec);
  if (ec) return core::fail(core::Error::internal("cannot read the size of " + path->string() + ": " + ec.message()));
  return static_cast<uint64_t>(bytes);
}

core::Result<std::string> LocalBlobStore::read(const std::string& bucket, const std::string& key, uint64_t offset,
                                               uint64_t length) {
  auto path = existing_object(bucket, key);
  if (!path) return core::fail(path.error());
  std::ifstream in(*path, std::ios::binary);
  if (!in) return core::fail(core::Error::internal("cannot open " + path->string()));
  std::string bytes(static_cast<size_t>(std::min(length, kMaxReadLength)), '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(in.bad() ? 0 : static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  if (in.bad()) return core::fail(core::Error::internal("cannot read " + path->string()));
  return bytes;
}

core::Status LocalBlobStore::remove(const std::string& bucket, const std::string& key) {
  auto path = object_path(bucket, key);
  if (!path) return core::fail(path.error());
  std::error_code ec;
  std::filesystem::remove(*path, ec);  // a symbolic link itself, never what it points to
  if (ec) return core::fail(core::Error::internal("cannot delete " + path->string() + ": " + ec.message()));
  // Folders the key made and left empty go too (remove() refuses a folder that is not empty).
  const auto bucket_root = root_ / bucket;
  for (auto dir = path->parent_path(); dir.string().size() > bucket_root.string().size(); dir = dir.parent_path()) {
    if (!std::filesystem::remove(dir, ec) || ec) break;
  }
  return {};
}

core::Status LocalBlobStore::upload(const std::filesystem::path& from, const std::string& bucket, const std::string& key) {
  auto path = object_path(bucket, key);
  if (!path) return core::fail(path.error());
  return copy_atomically(from, *path);
}

}  // namespace ve::adapters::blob
