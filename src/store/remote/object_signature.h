#pragma once
// Trust for shared tiers: a trusted builder signs what it publishes with an Ed25519 private key;
// readers hold public keys only, so nothing a build on a reader's machine can read lets it forge.
// A signature covers the object's kind and full name (toolchain and key), the SHA-256 of its
// bytes, the signer and an epoch: a signed object cannot be served under another name (another
// crate, an older result for the same input key), and raising the epoch revokes everything signed
// before it for readers that require it.
//
// Trailer: bytes | "CRSIG2" | key id (32: SHA-256 of the raw public key) | epoch (u64 LE) | signature (64).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cratecache {

class SigningKey {
 public:
  // A PEM Ed25519 private key (`cratecache keygen`). Throws std::runtime_error.
  static SigningKey load(const std::string& path);
  // `bytes` with a trailer signing it as `name` at `epoch`.
  std::string sign(std::string_view name, std::string_view bytes, uint64_t epoch) const;
  // The public half, raw (32 bytes).
  const std::string& public_key() const { return public_key_; }

 private:
  std::shared_ptr<void> key_;  // EVP_PKEY
  std::string public_key_;
};

class TrustedKeys {
 public:
  // PEM public keys (`<key>.pub`). Throws std::runtime_error naming a file that is not one.
  static TrustedKeys load(const std::vector<std::string>& paths);
  void add(std::string raw_public_key) { keys_.push_back(std::move(raw_public_key)); }
  bool empty() const { return keys_.empty(); }
  // The bytes without their trailer when one of these keys signed them as `name` at an epoch of at
  // least `min_epoch`; nullopt when unsigned, signed by another key, for another name or bytes, or
  // too old.
  std::optional<std::string_view> verify(std::string_view name, std::string_view signed_bytes, uint64_t min_epoch) const;

 private:
  std::vector<std::string> keys_;
};

bool has_signature(std::string_view bytes);
// The bytes without a trailer, unchecked (a reader that requires no signature, or its own file).
std::string_view without_signature(std::string_view bytes);

// Writes a new key pair: `path` (the private key, mode 0600) and `path`.pub. Throws on a fault or
// when `path` exists.
void generate_key_pair(const std::string& path);

}  // namespace cratecache
