// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace ve::adapters::media {
namespace {

core::Error io_error(const char* what, const std::filesystem::path& name) {
  return core::Error::internal(std::string(what) + " " + name.string() + ": " + std::strerror(errno));
}

core::Status copy_buffered(int in, int64_t offset, int64_t length, int out, const std::filesystem::path& name) {
  thread_local std::vector<uint8_t> buffer(1 << 20);
  while (length > 0) {
    const size_t want = static_cast<size_t>(std::min<int64_t>(length, static_cast<int64_t>(buffer.size())));
    const ssize_t got = ::pread(in, buffer.data(), want, offset);
    if (got < 0) {
      if (errno == EINTR) continue;
      return core::fail(io_error("cannot read input for", name));
    }
    if (got == 0) return core::fail(core::Error::invalid_input("input ends before the sample data it lists"));
    if (auto ok = write_all(out, {buffer.data(), static_cast<size_t>(got)}, name); !ok) return ok;
    offset += got;
    length -= got;
  }
  return {};
}

}  // namespace

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

core::Result<FileDescriptor> open_for_reading(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return core::fail(core::Error::invalid_input("cannot open " + path.string() + ": " + std::strerror(errno)));
  return FileDescriptor(fd);
}

core::Result<FileDescriptor> create_for_writing(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return core::fail(io_error("cannot create", path));
  return FileDescriptor(fd);
}

core::Status write_all(int fd, std::span<const uint8_t> bytes, const std::filesystem::path& name) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return core::fail(io_error("cannot write", name));
    }
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return {};
}

core::Status copy_range(int in, int64_t offset, int64_t length, int out, const std::filesystem::path& name) {
  while (length > 0) {
    loff_t from = offset;
    const ssize_t n = ::copy_file_range(in, &from, out, nullptr, static_cast<size_t>(length), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP || errno == EPERM) {
        return copy_buffered(in, offset, length, out, name);
      }
      return core::fail(io_error("cannot copy sample data into", name));
    }
    if (n == 0) return core::fail(core::Error::invalid_input("input ends before the sample data it lists"));
    offset += n;
    length -= n;
  }
  return {};
}

core::Status write_file(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
  auto fd = create_for_writing(path);
  if (!fd) return core::fail(fd.error());
  return write_all(fd->get(), bytes, path);
}

}  // namespace ve::adapters::media
