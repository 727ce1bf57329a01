// libFuzzer target: decode_entry must reject any malformed bytes with CorruptEntry, never crash.
#include <cstdint>
#include <cstring>
#include <string>

#include "entry/entry.h"
#include "util/digest.h"

namespace {

void decode(const std::string& bytes) {
  try {
    cratecache::check_entry(bytes);
  } catch (const cratecache::CorruptEntry&) {
    // the expected outcome for bad input; anything else propagates and libFuzzer reports it
  }
}

// Random bytes almost never carry a matching header SHA-256, so the JSON header and payload code
// would stay unexplored; a second pass with the digest recomputed reaches them.
std::string with_fixed_digest(std::string bytes) {
  constexpr size_t kFixed = 8 + 4, kDigest = 32;
  if (bytes.size() < kFixed) return {};
  uint32_t header_size = 0;
  std::memcpy(&header_size, bytes.data() + 8, sizeof header_size);
  if (bytes.size() < kFixed + header_size + kDigest) return {};
  std::string hex = cratecache::sha256_hex(std::string_view(bytes).substr(kFixed, header_size));
  for (size_t i = 0; i < kDigest; ++i) bytes[kFixed + header_size + i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  decode(bytes);
  std::string fixed = with_fixed_digest(bytes);
  if (!fixed.empty() && fixed != bytes) decode(fixed);
  return 0;
}
