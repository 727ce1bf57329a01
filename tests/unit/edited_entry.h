#pragma once
// Entries an adversary could write: forms the encoder cannot produce, made by editing an encoded
// entry's header and fixing its digest (as fuzz/fuzz_entry_decoder.cpp does).
#include <cstdint>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "util/digest.h"

namespace cratecache {

inline constexpr size_t kEntryFramingBytes = 8 + 4, kEntryDigestBytes = 32;

// The entry's header changed by `edit`, re-framed with its size and a valid digest.
inline std::string with_header(const std::string& bytes, const std::function<void(nlohmann::json&)>& edit) {
  uint32_t size = 0;
  std::memcpy(&size, bytes.data() + 8, sizeof size);
  nlohmann::json header = nlohmann::json::parse(bytes.substr(kEntryFramingBytes, size));
  edit(header);
  std::string text = header.dump();
  std::string hex = sha256_hex(text);
  std::string digest(kEntryDigestBytes, '\0');
  for (size_t i = 0; i < kEntryDigestBytes; ++i) digest[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  uint32_t new_size = static_cast<uint32_t>(text.size());
  std::string out = bytes.substr(0, 8);
  out.append(reinterpret_cast<const char*>(&new_size), sizeof new_size);
  return out + text + digest + bytes.substr(kEntryFramingBytes + size + kEntryDigestBytes);
}

}  // namespace cratecache
