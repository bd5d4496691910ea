// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/representation_input.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "adapters/media/file_io.hpp"

namespace ve::adapters::media {

// A list of files read as one seekable byte stream, the way a player appends segments.
class ConcatenatedFiles {
 public:
  static core::Result<ConcatenatedFiles> open_all(const std::vector<std::filesystem::path>& files) {
    ConcatenatedFiles c;
    for (const auto& f : files) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(f, ec);
      if (ec) return core::fail(core::Error::invalid_input("missing segment " + f.string()));
      auto fd = open_for_reading(f);
      if (!fd) return core::fail(fd.error());
      c.parts_.push_back({std::move(*fd), c.total_});
      c.total_ += static_cast<int64_t>(size);
    }
    return c;
  }

  static int read(void* opaque, uint8_t* buf, int size) {
    auto* self = static_cast<ConcatenatedFiles*>(opaque);
    if (self->position_ >= self->total_) return AVERROR_EOF;
    size_t part = self->parts_.size() - 1;
    while (self->parts_[part].start > self->position_) --part;
    const int64_t end = part + 1 < self->parts_.size() ? self->parts_[part + 1].start : self->total_;
    const int64_t want = std::min<int64_t>(size, end - self->position_);
    const ssize_t got = ::pread(self->parts_[part].fd.get(), buf, static_cast<size_t>(want),
                                self->position_ - self->parts_[part].start);
    if (got <= 0) return got == 0 ? AVERROR_EOF : AVERROR(errno);
    self->position_ += got;
    return static_cast<int>(got);
  }

  static int64_t seek(void* opaque, int64_t offset, int whence) {
    auto* self = static_cast<ConcatenatedFiles*>(opaque);
    switch (whence & ~AVSEEK_FORCE) {
      case AVSEEK_SIZE: return self->total_;
      case SEEK_SET: self->position_ = offset; break;
      case SEEK_CUR: self->position_ += offset; break;
      case SEEK_END: self->position_ = self->total_ + offset; break;
      default: return -1;
    }
    return self->position_;
  }

 private:
  struct Part {
    FileDescriptor fd;
    int64_t start;
  };
  std::vector<Part> parts_;
  int64_t total_ = 0;
  int64_t position_ = 0;
};

RepresentationInput::RepresentationInput(RepresentationInput&&) noexcept = default;
RepresentationInput& RepresentationInput::operator=(RepresentationInput&&) noexcept = default;
// Members go in reverse: the format context, then the I/O context, then the files.
RepresentationInput::~RepresentationInput() = default;

core::Result<RepresentationInput> RepresentationInput::open(const ManifestRepresentation& rep) {
  const std::string name = "representation " + rep.id;
  std::vector<std::filesystem::path> files{rep.init_segment};
  files.insert(files.end(), rep.media_segments.begin(), rep.media_segments.end());
  auto source = ConcatenatedFiles::open_all(files);
  if (!source) return core::fail(core::Error::invalid_input(name + ": " + source.error().message));
  RepresentationInput in;
  in.files_ = std::make_unique<ConcatenatedFiles>(std::move(*source));
  constexpr int kBufferSize = 1 << 16;
  auto* buffer = static_cast<uint8_t*>(av_malloc(kBufferSize));
  if (!buffer) return core::fail(core::Error::internal("out of memory"));
  in.io_.reset(avio_alloc_context(buffer, kBufferSize, 0, in.files_.get(), &ConcatenatedFiles::read, nullptr,
                                  &ConcatenatedFiles::seek));
  if (!in.io_) {
    av_free(buffer);
    return core::fail(core::Error::internal("out of memory"));
  }
  AVFormatContext* raw = avformat_alloc_context();
  if (!raw) return core::fail(core::Error::internal("out of memory"));
  raw->pb = in.io_.get();
  raw->flags |= AVFMT_FLAG_CUSTOM_IO | AVFMT_FLAG_NOPARSE | AVFMT_FLAG_NOFILLIN;
  const int rc = avformat_open_input(&raw, nullptr, av_find_input_format("mp4"), nullptr);
  if (rc < 0) return core::fail(core::Error::invalid_input(name + ": cannot read its segments: " + av_error_text(rc)));
  in.ctx_.reset(raw);
  if (in.ctx_->nb_streams != 1) return core::fail(core::Error::invalid_input(name + ": expected exactly one track"));
  return in;
}

}  // namespace ve::adapters::media
