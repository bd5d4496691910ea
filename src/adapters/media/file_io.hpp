// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ve::adapters::media {

// A file descriptor closed on destruction. Move-only.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FileDescriptor& operator=(FileDescriptor&& o) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor();
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

core::Result<FileDescriptor> open_for_reading(const std::filesystem::path& path);
core::Result<FileDescriptor> create_for_writing(const std::filesystem::path& path);

struct ByteRange {
  int64_t offset = 0;
  int64_t length = 0;
};

// Appends the ranges of `in`, in the order given, to `out`. Back-to-back ranges are merged; a long
// run goes through the kernel (copy_file_range); runs separated by small gaps, as samples of
// finely interleaved tracks are, are read as one window and written with one writev, trading a
// little memory bandwidth for a syscall per sample. InvalidInput if the input ends early.
core::Status copy_ranges(int in, std::span<const ByteRange> ranges, int out, const std::filesystem::path& name);

// Writes all of bytes at the current offset. Internal on failure (disk full, I/O error).
core::Status write_all(int fd, std::span<const uint8_t> bytes, const std::filesystem::path& name);

// Writes the parts one after another at the current offset, gathered by the kernel (writev), so
// no buffer has to join them first. Internal on failure.
core::Status write_parts(int fd, std::span<const std::span<const uint8_t>> parts, const std::filesystem::path& name);

// Appends length bytes of `in` starting at `offset` to `out`, in the kernel where it can
// (copy_file_range), else through a fixed buffer. InvalidInput if the input ends early.
core::Status copy_range(int in, int64_t offset, int64_t length, int out, const std::filesystem::path& name);

// Reads length bytes at offset (a single sample). InvalidInput if the file ends before.
core::Result<std::vector<uint8_t>> read_bytes(int fd, int64_t offset, uint32_t length);

// Writes a whole small file (manifest, init segment).
core::Status write_file(const std::filesystem::path& path, std::span<const uint8_t> bytes);

// write_file for text (manifests, playlists, WebVTT).
inline core::Status write_text_file(const std::filesystem::path& path, std::string_view text) {
  return write_file(path, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

}  // namespace ve::adapters::media
