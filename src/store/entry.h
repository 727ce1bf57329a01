#pragma once
// One stored result of a rustc run: its output files, stdout and stderr.
//
// Encoding: "CRCACHE1" | u32 header size | header (JSON) | 32-byte SHA-256 of the header |
//           zstd frame of the blobs, concatenated in header order.
// The header lists each blob's name, mode, size and SHA-256, so one pass over the payload both
// verifies the entry and yields the digests the stat cache needs.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace cratecache {

struct Blob {
  std::string name;    // file name in the out-dir, or ":stdout" / ":stderr"
  uint32_t mode = 0644;
  bool has_paths = false;  // text with normalised paths (dep-info), restored on materialisation
  std::string data;
  std::string digest;  // SHA-256 of data; filled by encode/decode
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

std::string encode_entry(Entry& entry, int compression_level);
// Throws CorruptEntry when the bytes are not a complete, intact entry.
Entry decode_entry(const std::string& bytes);

}  // namespace cratecache
