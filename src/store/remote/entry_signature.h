#pragma once
// Trust for shared tiers: trusted writers (the `warm` job) sign what they upload with
// HMAC-SHA256 under a key file; a tier configured with require_signature accepts only entries
// whose signature checks. The signature travels as a trailer: entry bytes | "CRSIG1" | 32 bytes.
#include <optional>
#include <string>

namespace cratecache {

class EntrySignature {
 public:
  // Reads the key file; throws when it cannot be read or is shorter than 16 bytes.
  static EntrySignature from_key_file(const std::string& path);
  explicit EntrySignature(std::string key) : key_(std::move(key)) {}

  std::string sign(const std::string& entry) const;  // entry + trailer
  // The entry without its trailer when the signature is valid; nullopt when it is missing or wrong.
  std::optional<std::string> verify(const std::string& signed_entry) const;

 private:
  std::string key_;
};

// Removes a trailer without checking it (a reader with no key that does not require signatures).
std::string strip_signature(const std::string& bytes);
bool has_signature(const std::string& bytes);

}  // namespace cratecache
