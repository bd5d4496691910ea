// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "adapters/media/av_handles.hpp"
#include "adapters/media/file_io.hpp"
#include "core/error.hpp"

namespace ve::adapters::media {

// The byte source under the demuxer: a file read with pread through a custom AVIOContext. In
// metadata-only mode reads succeed and advance without filling the buffer, so the demuxer hands
// out sample timestamps, offsets and sizes without their bytes ever being read: the packager
// copies those bytes file to file itself. Only valid for a file whose remaining reads are all
// sample data, i.e. an unfragmented MP4 after its header was parsed. Not movable (the AVIOContext
// points at it); one thread at a time.
class InputFileIo {
 public:
  static core::Result<std::unique_ptr<InputFileIo>> open(const std::filesystem::path& path, int64_t size);
  InputFileIo(const InputFileIo&) = delete;
  InputFileIo& operator=(const InputFileIo&) = delete;

  AVIOContext* context() const { return io_.get(); }
  int fd() const { return fd_.get(); }
  void set_metadata_only(bool on) { metadata_only_ = on; }

  // True when the file has a top-level 'moof' box (fragmented MP4): its fragments' headers are read
  // while demuxing, so metadata-only mode must not be used.
  bool has_movie_fragments() const;

 private:
  InputFileIo(FileDescriptor fd, int64_t size) : fd_(std::move(fd)), size_(size) {}
  static int read(void* opaque, uint8_t* buf, int size);
  static int64_t seek(void* opaque, int64_t offset, int whence);

  FileDescriptor fd_;
  int64_t size_;
  int64_t position_ = 0;
  bool metadata_only_ = false;
  IoContext io_;
};

}  // namespace ve::adapters::media
