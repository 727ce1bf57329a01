#include "store/remote/object_signature.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "util/digest.h"
#include "util/fs.h"

namespace cratecache {
namespace {

constexpr std::string_view kMarker = "CRSIG2";
constexpr size_t kKeyId = 32, kEpoch = 8, kSignature = 64;
constexpr size_t kTrailer = kMarker.size() + kKeyId + kEpoch + kSignature;

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

std::string key_id(const std::string& raw_public_key) {
  std::string hex = sha256_hex(raw_public_key);
  std::string id;
  for (size_t i = 0; i < hex.size(); i += 2) id.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return id;
}

// What is signed: every field that says what the bytes are, so none can be swapped.
std::string signed_message(std::string_view name, std::string_view bytes, std::string_view id, uint64_t epoch) {
  return "cratecache-signature-v2\n" + std::string(name) + "\n" + sha256_hex(bytes) + "\n" + sha256_hex(id) + "\n" +
         std::to_string(epoch);
}

std::string raw_public_key(EVP_PKEY* key) {
  size_t len = 32;
  std::string raw(len, '\0');
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &len) != 1 || len != 32) {
    throw std::runtime_error("not an Ed25519 key");
  }
  return raw;
}

Pkey read_pem(const std::string& path, bool is_private) {
  std::string text = read_file(path);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free);
  EVP_PKEY* key = is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                             : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (!key || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    throw std::runtime_error(path + " is not a PEM Ed25519 " + (is_private ? "private" : "public") +
                             " key (cratecache keygen writes one)");
  }
  return Pkey(key, &EVP_PKEY_free);
}

bool ed25519_verify(const std::string& raw_public_key, std::string_view message, std::string_view signature) {
  Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                       reinterpret_cast<const unsigned char*>(raw_public_key.data()), 32),
           &EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

void write_private(const std::string& path, const std::string& pem) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  bool ok = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok) throw std::runtime_error("cannot write " + path);
}

template <typename Write>
std::string pem_of(EVP_PKEY* key, Write write) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || write(bio.get(), key) != 1) throw std::runtime_error("cannot encode a key");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

SigningKey SigningKey::load(const std::string& path) {
  Pkey key = read_pem(path, true);
  SigningKey s;
  s.public_key_ = raw_public_key(key.get());
  s.key_ = std::shared_ptr<void>(key.release(), [](void* k) { EVP_PKEY_free(static_cast<EVP_PKEY*>(k)); });
  return s;
}

std::string SigningKey::sign(std::string_view name, std::string_view bytes, uint64_t epoch) const {
  std::string id = key_id(public_key_);
  std::string message = signed_message(name, bytes, id, epoch);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char signature[kSignature];
  size_t len = sizeof signature;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, static_cast<EVP_PKEY*>(key_.get())) != 1 ||
      EVP_DigestSign(ctx.get(), signature, &len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      len != kSignature) {
    throw std::runtime_error("cannot sign");
  }
  std::string out(bytes);
  out.append(kMarker).append(id);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((epoch >> (8 * i)) & 0xff));
  out.append(reinterpret_cast<const char*>(signature), kSignature);
  return out;
}

TrustedKeys TrustedKeys::load(const std::vector<std::string>& paths) {
  TrustedKeys trusted;
  for (const auto& path : paths) trusted.add(raw_public_key(read_pem(path, false).get()));
  return trusted;
}

std::optional<std::string_view> TrustedKeys::verify(std::string_view name, std::string_view signed_bytes,
                                               uint64_t min_epoch) const {
  if (!has_signature(signed_bytes)) return std::nullopt;
  std::string_view bytes = signed_bytes.substr(0, signed_bytes.size() - kTrailer);
  std::string_view trailer = signed_bytes.substr(bytes.size() + kMarker.size());
  std::string_view id = trailer.substr(0, kKeyId);
  uint64_t epoch = 0;
  for (int i = 7; i >= 0; --i) epoch = (epoch << 8) | static_cast<unsigned char>(trailer[kKeyId + i]);
  std::string_view signature = trailer.substr(kKeyId + kEpoch);
  if (epoch < min_epoch) return std::nullopt;
  for (const auto& key : keys_) {
    if (key_id(key) != id) continue;
    if (ed25519_verify(key, signed_message(name, bytes, id, epoch), signature)) return bytes;
  }
  return std::nullopt;
}

bool has_signature(std::string_view bytes) {
  return bytes.size() >= kTrailer && bytes.substr(bytes.size() - kTrailer, kMarker.size()) == kMarker;
}

std::string_view without_signature(std::string_view bytes) {
  return has_signature(bytes) ? bytes.substr(0, bytes.size() - kTrailer) : bytes;
}

void generate_key_pair(const std::string& path) {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), &EVP_PKEY_free);
  if (!key) throw std::runtime_error("cannot generate an Ed25519 key");
  std::string private_pem = pem_of(key.get(), [](BIO* b, EVP_PKEY* k) {
    return PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr);
  });
  std::string public_pem = pem_of(key.get(), [](BIO* b, EVP_PKEY* k) { return PEM_write_bio_PUBKEY(b, k); });
  write_private(path, private_pem);
  write_file_atomic(path + ".pub", public_pem);
}

}  // namespace cratecache
