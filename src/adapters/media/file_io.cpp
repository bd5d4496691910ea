// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/file_io.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
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

constexpr int64_t kWindowBytes = 4 << 20;  // at most this much is read per window
constexpr int64_t kMaxGap = 64 << 10;       // skipped bytes allowed between runs of one window

core::Status read_exactly(int in, uint8_t* buf, int64_t length, int64_t offset) {
  while (length > 0) {
    const ssize_t got = ::pread(in, buf, static_cast<size_t>(length), offset);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return core::fail(core::Error::internal(std::string("cannot read input: ") + std::strerror(errno)));
    if (got == 0) return core::fail(core::Error::invalid_input("input ends before the sample data it lists"));
    buf += got;
    offset += got;
    length -= got;
  }
  return {};
}

core::Status writev_all(int out, std::vector<iovec>& iov, const std::filesystem::path& name) {
  size_t first = 0;
  while (first < iov.size()) {
    const int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
    ssize_t n = ::writev(out, iov.data() + first, count);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return core::fail(io_error("cannot write", name));
    while (n > 0 && first < iov.size()) {
      const size_t step = std::min<size_t>(static_cast<size_t>(n), iov[first].iov_len);
      iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + step;
      iov[first].iov_len -= step;
      n -= static_cast<ssize_t>(step);
      if (iov[first].iov_len == 0) ++first;
    }
  }
  return {};
}

// Copies runs [begin, end), all inside one window, with one read and one gathered write.
core::Status copy_window(int in, std::span<const ByteRange> runs, int out, const std::filesystem::path& name) {
  thread_local std::vector<uint8_t> buffer;
  const int64_t start = runs.front().offset;
  const int64_t span = runs.back().offset + runs.back().length - start;
  buffer.resize(static_cast<size_t>(span));
  if (auto ok = read_exactly(in, buffer.data(), span, start); !ok) return ok;
  std::vector<iovec> iov;
  iov.reserve(runs.size());
  for (const ByteRange& r : runs) {
    iov.push_back({buffer.data() + (r.offset - start), static_cast<size_t>(r.length)});
  }
  return writev_all(out, iov, name);
}

}  // namespace

core::Status copy_ranges(int in, std::span<const ByteRange> ranges, int out, const std::filesystem::path& name) {
  std::vector<ByteRange> runs;
  for (const ByteRange& r : ranges) {
    if (!runs.empty() && runs.back().offset + runs.back().length == r.offset) {
      runs.back().length += r.length;
    } else {
      runs.push_back(r);
    }
  }
  size_t i = 0;
  while (i < runs.size()) {
    size_t j = i + 1;
    int64_t end = runs[i].offset + runs[i].length;
    while (j < runs.size() && runs[j].offset >= end && runs[j].offset - end <= kMaxGap &&
           runs[j].offset + runs[j].length - runs[i].offset <= kWindowBytes) {
      end = runs[j].offset + runs[j].length;
      ++j;
    }
    auto ok = j == i + 1 ? copy_range(in, runs[i].offset, runs[i].length, out, name)
                         : copy_window(in, std::span<const ByteRange>(runs).subspan(i, j - i), out, name);
    if (!ok) return ok;
    i = j;
  }
  return {};
}

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

core::Status write_parts(int fd, std::span<const std::span<const uint8_t>> parts, const std::filesystem::path& name) {
  std::vector<iovec> iov;
  iov.reserve(parts.size());
  for (const auto& part : parts) {
    // An empty part would stall writev_all, which moves on only past written bytes.
    if (!part.empty()) iov.push_back({const_cast<uint8_t*>(part.data()), part.size()});
  }
  return writev_all(fd, iov, name);
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

core::Result<std::vector<uint8_t>> read_bytes(int fd, int64_t offset, uint32_t length) {
  std::vector<uint8_t> out(length);
  size_t done = 0;
  while (done < length) {
    const ssize_t got = ::pread(fd, out.data() + done, length - done, offset + static_cast<int64_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return core::fail(core::Error::internal(std::string("cannot read input: ") + std::strerror(errno)));
    if (got == 0) return core::fail(core::Error::invalid_input("input ends before the sample data it lists"));
    done += static_cast<size_t>(got);
  }
  return out;
}

core::Status write_file(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
  auto fd = create_for_writing(path);
  if (!fd) return core::fail(fd.error());
  return write_all(fd->get(), bytes, path);
}

}  // namespace ve::adapters::media
