#include "entry/codec.h"

#include <lz4frame.h>
#include <zstd.h>

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "entry/entry.h"

namespace cratecache {
namespace {

constexpr size_t kSegmentBytes = 8u << 20;

[[noreturn]] void fail(const char* codec, const char* what) {
  throw std::runtime_error(std::string(codec) + ": " + what);
}

std::string compress_zstd(std::string_view input, int level) {
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> ctx(ZSTD_createCCtx(), &ZSTD_freeCCtx);
  if (!ctx) fail("zstd", "out of memory");
  size_t rc = ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_compressionLevel, level);
  if (ZSTD_isError(rc)) fail("zstd", ZSTD_getErrorName(rc));
  size_t bound = ZSTD_compressBound(input.size());
  std::unique_ptr<char[]> buffer(new char[bound]);  // not zero-filled: most of it is never touched
  size_t n = ZSTD_compress2(ctx.get(), buffer.get(), bound, input.data(), input.size());
  if (ZSTD_isError(n)) fail("zstd", ZSTD_getErrorName(n));
  return std::string(buffer.get(), n);
}

std::string compress_lz4(std::string_view input) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.contentSize = input.size();
  size_t bound = LZ4F_compressFrameBound(input.size(), &prefs);
  std::unique_ptr<char[]> buffer(new char[bound]);
  size_t n = LZ4F_compressFrame(buffer.get(), bound, input.data(), input.size(), &prefs);
  if (LZ4F_isError(n)) fail("lz4", LZ4F_getErrorName(n));
  return std::string(buffer.get(), n);
}

// Bytes [begin, end) of the parts' concatenation as one frame, compressed in one call: both
// codecs are fastest on contiguous input, so a range across parts is copied together first (a
// range inside one part, the common large case, is not).
std::string compress_range(const std::vector<std::string_view>& parts, size_t begin, size_t end,
                           const Compression& compression) {
  std::string joined;
  std::string_view input;
  size_t offset = 0;  // of the current part in the concatenation
  for (auto part : parts) {
    size_t from = std::max(begin, offset), to = std::min(end, offset + part.size());
    if (from < to) {
      std::string_view piece = part.substr(from - offset, to - from);
      if (piece.size() == end - begin) {
        input = piece;
      } else {
        joined += piece;
        input = joined;
      }
    }
    offset += part.size();
  }
  return compression.codec == Codec::kZstd ? compress_zstd(input, compression.zstd_level) : compress_lz4(input);
}

}  // namespace

const char* codec_name(Codec codec) {
  switch (codec) {
    case Codec::kNone:
      return "none";
    case Codec::kLz4:
      return "lz4";
    case Codec::kZstd:
      return "zstd";
    case Codec::kAligned:
      return "aligned";
  }
  return "none";
}

Codec parse_codec(std::string_view name) {
  if (name == "none") return Codec::kNone;
  if (name == "lz4") return Codec::kLz4;
  if (name == "zstd") return Codec::kZstd;
  if (name == "aligned") return Codec::kAligned;
  throw std::invalid_argument("expected lz4, zstd, aligned or none");
}

std::string compress_parts(const std::vector<std::string_view>& parts, const Compression& compression) {
  size_t total = 0;
  for (auto part : parts) total += part.size();
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  size_t segments = std::clamp<size_t>(total / kSegmentBytes, 1, cores);
  if (segments == 1) return compress_range(parts, 0, total, compression);
  std::vector<std::string> frames(segments);
  std::vector<std::exception_ptr> errors(segments);
  auto compress_segment = [&](size_t i) {
    try {
      frames[i] = compress_range(parts, total * i / segments, total * (i + 1) / segments, compression);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  std::vector<std::jthread> threads;  // joined on every way out
  size_t started = 1;
  for (; started < segments; ++started) {
    try {
      threads.emplace_back(compress_segment, started);
    } catch (const std::system_error&) {
      break;  // no thread to be had (a tight pids limit): the rest is compressed here
    }
  }
  compress_segment(0);
  for (size_t i = started; i < segments; ++i) compress_segment(i);
  threads.clear();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  std::string out = std::move(frames[0]);
  for (size_t i = 1; i < segments; ++i) out += frames[i];
  return out;
}

// One codec's streaming decompression of a sequence of frames.
class PayloadStream::Decoder {
 public:
  explicit Decoder(Codec codec) : codec_(codec) {
    if (codec_ == Codec::kZstd) {
      zstd_ = ZSTD_createDCtx();
      if (!zstd_) throw std::bad_alloc();
    } else if (LZ4F_isError(LZ4F_createDecompressionContext(&lz4_, LZ4F_VERSION))) {
      throw std::bad_alloc();
    }
  }
  ~Decoder() {
    ZSTD_freeDCtx(zstd_);
    if (lz4_) LZ4F_freeDecompressionContext(lz4_);
  }
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Decodes from `in` into out[0, capacity); returns the bytes written. Sets frame_done when the
  // current frame ended with this call (the next call starts the next frame).
  size_t decode(std::string_view& in, char* out, size_t capacity, bool& frame_done) {
    if (codec_ == Codec::kZstd) {
      ZSTD_inBuffer src{in.data(), in.size(), 0};
      ZSTD_outBuffer dst{out, capacity, 0};
      size_t rc = ZSTD_decompressStream(zstd_, &dst, &src);
      if (ZSTD_isError(rc)) throw CorruptEntry(std::string("payload does not decompress: ") + ZSTD_getErrorName(rc));
      in.remove_prefix(src.pos);
      frame_done = rc == 0;
      return dst.pos;
    }
    size_t written = capacity, consumed = in.size();
    size_t rc = LZ4F_decompress(lz4_, out, &written, in.data(), &consumed, nullptr);
    if (LZ4F_isError(rc)) throw CorruptEntry(std::string("payload does not decompress: ") + LZ4F_getErrorName(rc));
    in.remove_prefix(consumed);
    frame_done = rc == 0;
    return written;
  }

 private:
  Codec codec_;
  ZSTD_DCtx* zstd_ = nullptr;
  LZ4F_dctx* lz4_ = nullptr;
};

PayloadStream::PayloadStream(std::string_view stored, Codec codec) : raw_(stored) {
  if (codec == Codec::kNone) return;
  decoder_ = std::make_unique<Decoder>(codec);
  buffer_.resize(1 << 18);
}

PayloadStream::~PayloadStream() = default;

std::string_view PayloadStream::next(uint64_t max) {
  if (!decoder_) {
    std::string_view chunk = raw_.substr(0, static_cast<size_t>(std::min<uint64_t>(max, raw_.size())));
    raw_.remove_prefix(chunk.size());
    return chunk;
  }
  if (pos_ == filled_) refill();
  size_t n = static_cast<size_t>(std::min<uint64_t>(max, filled_ - pos_));
  std::string_view chunk(buffer_.data() + pos_, n);
  pos_ += n;
  return chunk;
}

bool PayloadStream::finished() {
  if (!decoder_) return raw_.empty();
  if (pos_ == filled_) refill();
  return pos_ == filled_ && frame_done_ && raw_.empty();
}

void PayloadStream::refill() {
  pos_ = filled_ = 0;
  while (filled_ == 0 && !(frame_done_ && raw_.empty())) {
    size_t before = raw_.size();
    // Called with no input left too: a decoder may still hold output of a block it consumed.
    filled_ = decoder_->decode(raw_, buffer_.data(), buffer_.size(), frame_done_);
    if (filled_ == 0 && raw_.size() == before && !frame_done_) {
      throw CorruptEntry(raw_.empty() ? "payload truncated" : "payload does not decompress");
    }
  }
}

}  // namespace cratecache
