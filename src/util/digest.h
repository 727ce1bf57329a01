#pragma once
// SHA-256 (OpenSSL) for keys and content digests.
//
// The low-level SHA256_* calls, deprecated in OpenSSL 3 in favour of EVP, are used on purpose:
// the first EVP fetch initialises the provider name tables (~1 ms per process), which every
// cache hit, a process of a few ms, would pay.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <string>
#include <string_view>

namespace cratecache {

class Sha256 {
 public:
  Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // A length-prefixed field, so that ("ab","c") and ("a","bc") hash differently.
  void field(std::string_view data);
  std::string hex_final();

 private:
  SHA256_CTX ctx_;
};

std::string sha256_hex(std::string_view data);
// Streams a regular file; throws std::runtime_error when it cannot be read or is anything else (a
// FIFO, device, socket or directory: opened non-blocking, never read).
std::string sha256_file(const std::string& path);

}  // namespace cratecache
