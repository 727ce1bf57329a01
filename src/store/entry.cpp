#include "store/entry.h"

#include <zstd.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "util/digest.h"

namespace cratecache {
namespace {

using nlohmann::json;

constexpr char kMagic[8] = {'C', 'R', 'C', 'A', 'C', 'H', 'E', '1'};
constexpr size_t kDigestSize = 32;

std::string raw_digest(std::string_view data) {
  std::string hex = sha256_hex(data);
  std::string raw(kDigestSize, '\0');
  for (size_t i = 0; i < kDigestSize; ++i) raw[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return raw;
}

}  // namespace

std::string encode_entry(Entry& entry, int compression_level) {
  json blobs = json::array();
  std::string payload;
  for (auto& b : entry.blobs) {
    b.digest = sha256_hex(b.data);
    blobs.push_back({{"name", b.name}, {"mode", b.mode}, {"paths", b.has_paths}, {"size", b.data.size()},
                     {"sha256", b.digest}});
    payload += b.data;
  }
  json header_doc = {{"blobs", blobs},
                     {"crate", entry.crate_name},
                     {"kind", entry.unit_kind},
                     {"toolchain", entry.toolchain},
                     {"compile_ms", entry.compile_ms}};
  std::string header = header_doc.dump(-1, ' ', false, json::error_handler_t::replace);

  std::string out(kMagic, sizeof kMagic);
  uint32_t header_size = static_cast<uint32_t>(header.size());
  out.append(reinterpret_cast<const char*>(&header_size), sizeof header_size);
  out += header;
  out += raw_digest(header);
  size_t bound = ZSTD_compressBound(payload.size());
  size_t offset = out.size();
  out.resize(offset + bound);
  size_t n = ZSTD_compress(out.data() + offset, bound, payload.data(), payload.size(), compression_level);
  if (ZSTD_isError(n)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(offset + n);
  return out;
}

Entry decode_entry(const std::string& bytes) {
  const size_t fixed = sizeof kMagic + sizeof(uint32_t);
  if (bytes.size() < fixed || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    throw CorruptEntry("not a cratecache entry");
  }
  uint32_t header_size = 0;
  std::memcpy(&header_size, bytes.data() + sizeof kMagic, sizeof header_size);
  if (bytes.size() < fixed + header_size + kDigestSize) throw CorruptEntry("truncated header");
  std::string_view header(bytes.data() + fixed, header_size);
  if (raw_digest(header) != std::string_view(bytes.data() + fixed + header_size, kDigestSize)) {
    throw CorruptEntry("header digest mismatch");
  }

  Entry entry;
  json doc;
  try {
    doc = json::parse(header);
    entry.crate_name = doc.at("crate");
    entry.unit_kind = doc.at("kind");
    entry.toolchain = doc.at("toolchain");
    entry.compile_ms = doc.at("compile_ms");
  } catch (const json::exception& e) {
    throw CorruptEntry(std::string("bad header: ") + e.what());
  }

  size_t payload_offset = fixed + header_size + kDigestSize;
  const char* src = bytes.data() + payload_offset;
  size_t src_size = bytes.size() - payload_offset;
  unsigned long long raw_size = ZSTD_getFrameContentSize(src, src_size);
  if (raw_size == ZSTD_CONTENTSIZE_ERROR || raw_size == ZSTD_CONTENTSIZE_UNKNOWN) throw CorruptEntry("bad payload");
  std::string payload(raw_size, '\0');
  size_t n = ZSTD_decompress(payload.data(), payload.size(), src, src_size);
  if (ZSTD_isError(n) || n != raw_size) throw CorruptEntry("payload does not decompress");

  size_t pos = 0;
  for (const auto& b : doc.at("blobs")) {
    Blob blob;
    blob.name = b.at("name");
    blob.mode = b.at("mode");
    blob.has_paths = b.at("paths");
    blob.digest = b.at("sha256");
    size_t size = b.at("size");
    if (pos + size > payload.size()) throw CorruptEntry("payload shorter than header says");
    blob.data = payload.substr(pos, size);
    pos += size;
    if (sha256_hex(blob.data) != blob.digest) throw CorruptEntry("digest mismatch in " + blob.name);
    entry.blobs.push_back(std::move(blob));
  }
  if (pos != payload.size()) throw CorruptEntry("payload longer than header says");
  return entry;
}

}  // namespace cratecache
