#pragma once
// SHA-256 (OpenSSL EVP) for keys and content digests.
#include <openssl/evp.h>

#include <string>
#include <string_view>

namespace cratecache {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // A length-prefixed field, so that ("ab","c") and ("a","bc") hash differently.
  void field(std::string_view data);
  std::string hex_final();

 private:
  EVP_MD_CTX* ctx_;
};

std::string sha256_hex(std::string_view data);
// Streams the file; throws std::runtime_error when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace cratecache
