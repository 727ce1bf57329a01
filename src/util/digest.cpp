#include "util/digest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace cratecache {

Sha256::Sha256() { SHA256_Init(&ctx_); }

void Sha256::update(const void* data, size_t size) { SHA256_Update(&ctx_, data, size); }

void Sha256::field(std::string_view data) {
  uint64_t size = data.size();
  update(&size, sizeof size);
  update(data);
}

std::string Sha256::hex_final() {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256_Final(md, &ctx_);
  static const char* hex = "0123456789abcdef";
  std::string out(2 * sizeof md, '0');
  for (size_t i = 0; i < sizeof md; ++i) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex_final();
}

std::string sha256_file(const std::string& path) {
  // Non-blocking: a FIFO put where a file was (or named by a hostile manifest) opens at once and
  // is refused below, never waited on.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw std::runtime_error("cannot read " + path + ": not a regular file");
  }
  Sha256 h;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw std::runtime_error("cannot read " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    h.update(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return h.hex_final();
}

}  // namespace cratecache
