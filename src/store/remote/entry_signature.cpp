#include "store/remote/entry_signature.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include <stdexcept>

#include "util/fs.h"

namespace cratecache {
namespace {

constexpr std::string_view kMarker = "CRSIG1";
constexpr size_t kMacSize = 32;
constexpr size_t kTrailer = kMarker.size() + kMacSize;

std::string hmac(const std::string& key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

}  // namespace

bool has_signature(const std::string& bytes) {
  return bytes.size() >= kTrailer && std::string_view(bytes).substr(bytes.size() - kTrailer, kMarker.size()) == kMarker;
}

std::string strip_signature(const std::string& bytes) {
  return has_signature(bytes) ? bytes.substr(0, bytes.size() - kTrailer) : bytes;
}

EntrySignature EntrySignature::from_key_file(const std::string& path) {
  std::string key = read_file(path);
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (key.size() < 16) throw std::runtime_error("signing key " + path + " is shorter than 16 bytes");
  return EntrySignature(std::move(key));
}

std::string EntrySignature::sign(const std::string& entry) const {
  return entry + std::string(kMarker) + hmac(key_, entry);
}

std::optional<std::string> EntrySignature::verify(const std::string& signed_entry) const {
  if (!has_signature(signed_entry)) return std::nullopt;
  std::string_view entry(signed_entry.data(), signed_entry.size() - kTrailer);
  std::string expected = hmac(key_, entry);
  const char* given = signed_entry.data() + signed_entry.size() - kMacSize;
  if (CRYPTO_memcmp(expected.data(), given, kMacSize) != 0) return std::nullopt;
  return std::string(entry);
}

}  // namespace cratecache
