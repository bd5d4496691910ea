// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/input_file_io.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ve::adapters::media {

core::Result<std::unique_ptr<InputFileIo>> InputFileIo::open(const std::filesystem::path& path, int64_t size) {
  auto fd = open_for_reading(path);
  if (!fd) return core::fail(fd.error());
  std::unique_ptr<InputFileIo> io(new InputFileIo(std::move(*fd), size));
  constexpr int kBufferSize = 256 * 1024;
  auto* buffer = static_cast<uint8_t*>(av_malloc(kBufferSize));
  if (!buffer) return core::fail(core::Error::internal("out of memory"));
  io->io_.reset(avio_alloc_context(buffer, kBufferSize, 0, io.get(), &InputFileIo::read, nullptr, &InputFileIo::seek));
  if (!io->io_) {
    av_free(buffer);
    return core::fail(core::Error::internal("out of memory"));
  }
  return io;
}

int InputFileIo::read(void* opaque, uint8_t* buf, int size) {
  auto* self = static_cast<InputFileIo*>(opaque);
  if (self->position_ >= self->size_) return AVERROR_EOF;
  const int64_t want = std::min<int64_t>(size, self->size_ - self->position_);
  if (self->metadata_only_) {
    self->position_ += want;
    return static_cast<int>(want);
  }
  for (;;) {
    const ssize_t got = ::pread(self->fd_.get(), buf, static_cast<size_t>(want), self->position_);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return AVERROR(errno);
    if (got == 0) return AVERROR_EOF;
    self->position_ += got;
    return static_cast<int>(got);
  }
}

int64_t InputFileIo::seek(void* opaque, int64_t offset, int whence) {
  auto* self = static_cast<InputFileIo*>(opaque);
  int64_t target = 0;
  switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE: return self->size_;
    case SEEK_SET: target = offset; break;
    case SEEK_CUR: target = self->position_ + offset; break;
    case SEEK_END: target = self->size_ + offset; break;
    default: return AVERROR(EINVAL);
  }
  if (target < 0) return AVERROR(EINVAL);
  self->position_ = target;
  return target;
}

bool InputFileIo::has_movie_fragments() const {
  int64_t at = 0;
  for (int boxes = 0; at + 8 <= size_ && boxes < 100000; ++boxes) {
    uint8_t header[16];
    if (::pread(fd_.get(), header, sizeof header, at) < 8) return false;
    uint64_t box_size = (uint32_t(header[0]) << 24) | (uint32_t(header[1]) << 16) | (uint32_t(header[2]) << 8) | header[3];
    if (std::memcmp(header + 4, "moof", 4) == 0) return true;
    if (box_size == 1) {
      box_size = 0;
      for (int i = 8; i < 16; ++i) box_size = (box_size << 8) | header[i];
    }
    if (box_size == 0) return false;  // the last box runs to the end of the file
    if (box_size < 8) return false;   // broken; the demuxer will have its say
    at += static_cast<int64_t>(box_size);
  }
  return false;
}

}  // namespace ve::adapters::media
