#pragma once
// One stored result of a rustc run: its output files, stdout and stderr.
//
// Encoding: "CRCACHE1" | u32 header size | header (JSON) | 32-byte SHA-256 of the header |
//           the blobs concatenated in header order, raw or as lz4 or zstd frames (one per 8 MiB
//           segment, up to one per core, compressed in parallel; see codec.h), or, aligned,
//           each raw blob at the next multiple of kCloneBlock in the file, zeros between.
// The header lists each blob's name, mode, size, XXH3-128 checksum and SHA-256, and the XXH3-128
// of the stored payload. A read checks the header's SHA-256 and each blob's XXH3 (corruption
// detection at memory speed on the hit path), or the payload's when a blob is deferred;
// the blob SHA-256s, covered by the header digest, feed the stat cache as key material without
// hashing the outputs again.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "entry/codec.h"

namespace cratecache {

struct Blob {
  std::string name;    // file name in the out-dir, or ":stdout" / ":stderr"
  uint32_t mode = 0644;
  bool has_paths = false;  // text with normalised paths (dep-info), restored on materialisation
  std::string data;
  std::string digest;    // SHA-256 of data; filled by encode/decode
  std::string checksum;  // XXH3-128 of data; filled by encode/decode
  // Where the data lies in the entry when stored raw from a clone block on (Codec::kAligned): a
  // hit may clone it from the entry's file. Filled by decode.
  struct Range {
    uint64_t offset = 0;
    uint64_t size = 0;
  };
  std::optional<Range> in_place = std::nullopt;
};

struct Entry {
  std::vector<Blob> blobs;
  std::string crate_name;
  std::string unit_kind;
  std::string toolchain;   // release, for stats per toolchain
  uint64_t compile_ms = 0;  // what a hit saves
};

struct CorruptEntry : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Bounds on what an entry may declare, checked on the header before anything is decoded: an entry
// comes from a file any writer of the store (or a remote) made, and a few KiB of zstd can claim
// GiBs. No rustc unit or build-script run we know of comes near them; an entry over them is
// refused when encoding too, rather than stored only to be refused on every read.
inline constexpr uint64_t kMaxBlobBytes = 4ull << 30;   // one blob, streamed to its file
inline constexpr uint64_t kMaxEntryBytes = 8ull << 30;  // all blobs together
// A blob decoded in memory (stdout, stderr, a text blob with paths): a much smaller bound.
inline constexpr uint64_t kMaxInMemoryBlobBytes = 256ull << 20;
bool is_message_blob(const Blob& blob);    // ":stdout" or ":stderr"
bool is_in_memory_blob(const Blob& blob);  // a message or a text blob with paths

// The mode a served file gets, whatever the entry says: 0755 when any execute bit is set, else
// 0644. Never setuid, setgid, sticky or writable by others.
uint32_t served_mode(uint32_t stored_mode);

std::string encode_entry(Entry& entry, const Compression& compression);

// Receives an entry's blobs as they are decompressed, so that large outputs stream to their files
// without being held in memory. `end` is called only after the blob's digest was checked.
class BlobSink {
 public:
  virtual ~BlobSink() = default;
  virtual void begin(const Blob& header) = 0;  // header: everything but data
  virtual void data(const char* bytes, size_t size) = 0;
  virtual void end() = 0;
  // The blob failed its digest check; undo what begin/data did.
  virtual void abandon() = 0;
  // A deferred blob is not wanted now (a build-script binary that a replayed run never executes):
  // it gets no calls, and decoding stops, unchecked, where only deferred blobs are left.
  virtual bool defers(const Blob& /*header*/) const { return false; }
};

struct EntryInfo {
  std::string crate_name;
  std::string unit_kind;
  std::string toolchain;
  uint64_t compile_ms = 0;
  uint64_t size = 0;  // bytes of all blobs, uncompressed
};

// Throws CorruptEntry when the bytes are not a complete, intact entry.
EntryInfo decode_entry(std::string_view bytes, BlobSink& sink);
// decode_entry with every blob checked and none kept (`cratecache verify`, fuzzing).
EntryInfo check_entry(std::string_view bytes);
// The header alone (checked by its digest), for listings; the payload is not read.
EntryInfo peek_entry_info(std::string_view bytes);
// The same from an entry file, reading only its header: a store of many GiB is listed without
// reading its payloads. nullopt for a file that is not an intact entry.
std::optional<EntryInfo> read_entry_info(const std::string& path);
// The digest-checked header alone: what the entry is and its blobs' headers (no data).
struct EntryHeader {
  EntryInfo info;
  std::vector<Blob> blobs;
};
EntryHeader peek_entry_header(std::string_view bytes);

}  // namespace cratecache
