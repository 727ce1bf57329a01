#pragma once
// How an entry's payload is stored: the codecs, parallel compression of large payloads, and a
// streaming decoder for the hit path.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cratecache {

// lz4 (the default) decompresses about 3x faster than zstd here, for a store about 1.5x larger;
// the hit path is decompression-bound on large rlibs. zstd for a smaller store and fewer bytes
// to the remote tier; none: a hit is a plain copy, for the largest store. aligned: raw, each blob
// starting on a clone block (util/clone.h), so that a hit on a filesystem with reflinks clones
// its outputs instead of writing them.
enum class Codec { kNone, kLz4, kZstd, kAligned };

struct Compression {
  Codec codec = Codec::kLz4;
  int zstd_level = 3;
  // "auto", the default: aligned where the store's filesystem can clone, else `codec`.
  bool clone_when_possible = true;
};

// "none", "lz4", "zstd", "aligned": the entry header's "compression"
const char* codec_name(Codec codec);
// Throws std::invalid_argument for an unknown name.
Codec parse_codec(std::string_view name);

// The concatenation of `parts`, compressed. A large payload (a workspace member's binary, a big
// rlib) is cut into segments compressed as independent frames on all cores: storing is on the
// build's critical path. Never called with Codec::kNone.
std::string compress_parts(const std::vector<std::string_view>& parts, const Compression& compression);

// Yields a stored payload in bounded chunks (not for Codec::kAligned, whose blobs are read in
// place): slices of a raw payload, or decompressed output of
// one or more frames. Throws CorruptEntry on malformed input.
class PayloadStream {
 public:
  PayloadStream(std::string_view stored, Codec codec);
  ~PayloadStream();
  PayloadStream(const PayloadStream&) = delete;
  PayloadStream& operator=(const PayloadStream&) = delete;

  // Up to `max` bytes of the next payload data; empty at the end of the input.
  std::string_view next(uint64_t max);
  // True when every stored byte was consumed and yielded.
  bool finished();

 private:
  class Decoder;
  void refill();

  std::string_view raw_;  // stored bytes not yet yielded (raw) or not yet decoded
  std::unique_ptr<Decoder> decoder_;
  std::string buffer_;
  size_t pos_ = 0;
  size_t filled_ = 0;
  bool frame_done_ = false;
};

}  // namespace cratecache
