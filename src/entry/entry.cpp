#include "entry/entry.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <nlohmann/json.hpp>

#include <fmt/core.h>

#include "entry/codec.h"
#include "util/clone.h"
#include "util/digest.h"

namespace cratecache {
namespace {

using nlohmann::json;

constexpr char kMagic[8] = {'C', 'R', 'C', 'A', 'C', 'H', 'E', '1'};
constexpr size_t kDigestSize = 32;
// An aligned blob is checked and handed on in chunks that stay in cache between the two.
constexpr size_t kInPlaceChunk = 1 << 20;

std::string xxh3_hex(XXH128_hash_t h) { return fmt::format("{:016x}{:016x}", h.high64, h.low64); }

std::string raw_digest(std::string_view data) {
  std::string hex = sha256_hex(data);
  std::string raw(kDigestSize, '\0');
  for (size_t i = 0; i < kDigestSize; ++i) raw[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return raw;
}

// Throws `Error` when a blob or the entry's total is over its bound.
template <typename Error>
void check_sizes(const Blob& blob, uint64_t size, uint64_t& total) {
  uint64_t cap = is_in_memory_blob(blob) ? kMaxInMemoryBlobBytes : kMaxBlobBytes;
  if (size > cap) throw Error(fmt::format("blob {} of {} bytes is over the bound of {}", blob.name, size, cap));
  total += size;  // no overflow: each term is at most kMaxBlobBytes, and the sum is checked each time
  if (total > kMaxEntryBytes) throw Error(fmt::format("entry over the bound of {} bytes", kMaxEntryBytes));
}

// Where each blob of `sizes` begins in an aligned entry whose payload begins at `payload_offset`.
std::vector<uint64_t> aligned_offsets(const std::vector<uint64_t>& sizes, uint64_t payload_offset) {
  std::vector<uint64_t> offsets;
  uint64_t at = payload_offset;
  for (uint64_t size : sizes) {
    at = (at + kCloneBlock - 1) / kCloneBlock * kCloneBlock;
    offsets.push_back(at);
    at += size;
  }
  return offsets;
}

}  // namespace

bool is_message_blob(const Blob& blob) { return blob.name == ":stdout" || blob.name == ":stderr"; }

bool is_in_memory_blob(const Blob& blob) { return blob.has_paths || is_message_blob(blob); }

uint32_t served_mode(uint32_t stored_mode) { return (stored_mode & 0111) != 0 ? 0755 : 0644; }

std::string encode_entry(Entry& entry, const Compression& compression) {
  json blobs = json::array();
  std::vector<std::string_view> parts;
  size_t total = 0;
  uint64_t checked_total = 0;
  for (auto& b : entry.blobs) {
    check_sizes<std::length_error>(b, b.data.size(), checked_total);
    b.digest = sha256_hex(b.data);
    b.checksum = xxh3_hex(XXH3_128bits(b.data.data(), b.data.size()));
    blobs.push_back({{"name", b.name}, {"mode", b.mode}, {"paths", b.has_paths}, {"size", b.data.size()},
                     {"sha256", b.digest}, {"xxh3", b.checksum}});
    parts.push_back(b.data);
    total += b.data.size();
  }
  const bool aligned = compression.codec == Codec::kAligned;
  const bool compressed = compression.codec != Codec::kNone && !aligned;
  std::string compressed_payload;
  XXH3_state_t* state = XXH3_createState();
  if (state == nullptr) throw std::runtime_error("xxh3: out of memory");
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state_owner(state, XXH3_freeState);
  XXH3_128bits_reset(state);
  if (compressed) {
    compressed_payload = compress_parts(parts, compression);
    XXH3_128bits_update(state, compressed_payload.data(), compressed_payload.size());
  } else if (!aligned) {
    for (const auto& b : entry.blobs) XXH3_128bits_update(state, b.data.data(), b.data.size());
  }
  json header_doc = {{"blobs", blobs},
                     {"crate", entry.crate_name},
                     {"kind", entry.unit_kind},
                     {"toolchain", entry.toolchain},
                     {"compile_ms", entry.compile_ms},
                     {"compression", codec_name(compression.codec)},
                     {"payload_xxh3", xxh3_hex(XXH3_128bits_digest(state))}};
  auto dump = [&] { return header_doc.dump(-1, ' ', false, json::error_handler_t::replace); };
  std::vector<uint64_t> offsets;  // aligned: of each blob in the file
  if (aligned) {
    // The header holds the payload's checksum and its size places the payload: the checksum has
    // a fixed width, so the payload is placed first, with the header's final size.
    size_t payload_offset = sizeof kMagic + sizeof(uint32_t) + dump().size() + kDigestSize;
    std::vector<uint64_t> sizes;
    for (const auto& b : entry.blobs) sizes.push_back(b.data.size());
    offsets = aligned_offsets(sizes, payload_offset);
    static const std::string zeros(kCloneBlock, '\0');
    uint64_t at = payload_offset;
    for (size_t i = 0; i < entry.blobs.size(); ++i) {
      XXH3_128bits_update(state, zeros.data(), offsets[i] - at);
      XXH3_128bits_update(state, entry.blobs[i].data.data(), entry.blobs[i].data.size());
      at = offsets[i] + entry.blobs[i].data.size();
    }
    header_doc["payload_xxh3"] = xxh3_hex(XXH3_128bits_digest(state));
  }
  std::string header = dump();

  std::string out;
  out.reserve(sizeof kMagic + sizeof(uint32_t) + header.size() + kDigestSize +
              (compressed ? compressed_payload.size() : total + entry.blobs.size() * kCloneBlock));
  out.append(kMagic, sizeof kMagic);
  uint32_t header_size = static_cast<uint32_t>(header.size());
  out.append(reinterpret_cast<const char*>(&header_size), sizeof header_size);
  out += header;
  out += raw_digest(header);
  if (compressed) {
    out += compressed_payload;
  } else {
    for (size_t i = 0; i < entry.blobs.size(); ++i) {
      if (aligned) out.resize(offsets[i], '\0');
      out += entry.blobs[i].data;
    }
  }
  return out;
}

namespace {

struct ParsedHeader {
  EntryInfo info;
  Codec codec = Codec::kNone;
  std::string payload_checksum;  // XXH3-128 of the stored payload bytes
  std::vector<std::pair<Blob, uint64_t>> blobs;  // header fields and size of each blob
  size_t payload_offset = 0;
};

// Numbers in a header are unsigned integers; anything else (a crafted 1e300) is corruption, never
// a float-to-integer conversion.
uint64_t unsigned_field(const json& object, const char* name) {
  const json& v = object.at(name);
  if (!v.is_number_unsigned()) throw CorruptEntry(std::string("bad header: ") + name + " is not an unsigned integer");
  return v.get<uint64_t>();
}

ParsedHeader parse_header(std::string_view bytes) {
  const size_t fixed = sizeof kMagic + sizeof(uint32_t);
  if (bytes.size() < fixed || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    throw CorruptEntry("not a cratecache entry");
  }
  uint32_t header_size = 0;
  std::memcpy(&header_size, bytes.data() + sizeof kMagic, sizeof header_size);
  if (bytes.size() < fixed + header_size + kDigestSize) throw CorruptEntry("truncated header");
  std::string_view header = bytes.substr(fixed, header_size);
  if (raw_digest(header) != bytes.substr(fixed + header_size, kDigestSize)) {
    throw CorruptEntry("header digest mismatch");
  }
  ParsedHeader h;
  h.payload_offset = fixed + header_size + kDigestSize;
  try {
    json doc = json::parse(header);
    h.info.crate_name = doc.at("crate");
    h.info.unit_kind = doc.at("kind");
    h.info.toolchain = doc.at("toolchain");
    h.info.compile_ms = unsigned_field(doc, "compile_ms");
    h.codec = parse_codec(doc.at("compression").get<std::string>());
    h.payload_checksum = doc.at("payload_xxh3");
    for (const auto& b : doc.at("blobs")) {
      Blob blob;
      blob.name = b.at("name");
      uint64_t mode = unsigned_field(b, "mode");
      if (mode > 07777) throw CorruptEntry("bad header: file mode out of range");
      blob.mode = static_cast<uint32_t>(mode);
      blob.has_paths = b.at("paths");
      blob.digest = b.at("sha256");
      blob.checksum = b.at("xxh3");
      uint64_t size = unsigned_field(b, "size");
      check_sizes<CorruptEntry>(blob, size, h.info.size);
      h.blobs.emplace_back(std::move(blob), size);
    }
  } catch (const json::exception& e) {
    throw CorruptEntry(std::string("bad header: ") + e.what());
  } catch (const std::invalid_argument& e) {
    throw CorruptEntry(std::string("bad header: compression ") + e.what());
  }
  return h;
}

}  // namespace

EntryInfo peek_entry_info(std::string_view bytes) { return parse_header(bytes).info; }

EntryInfo decode_entry(std::string_view bytes, BlobSink& sink) {
  ParsedHeader parsed = parse_header(bytes);
  const auto& blobs = parsed.blobs;
  std::string_view stored = bytes.substr(parsed.payload_offset);
  // A deferred blob is not decompressed now, but must be intact when it is: check the stored
  // bytes as a whole, at memory speed.
  if (std::any_of(blobs.begin(), blobs.end(), [&](const auto& b) { return sink.defers(b.first); }) &&
      xxh3_hex(XXH3_128bits(stored.data(), stored.size())) != parsed.payload_checksum) {
    throw CorruptEntry("payload checksum mismatch");
  }
  const bool aligned = parsed.codec == Codec::kAligned;
  std::vector<uint64_t> offsets;
  if (aligned) {
    std::vector<uint64_t> sizes;
    for (const auto& b : blobs) sizes.push_back(b.second);
    offsets = aligned_offsets(sizes, parsed.payload_offset);
    uint64_t end = parsed.payload_offset;
    for (size_t i = 0; i < blobs.size(); ++i) {
      // One encoding per entry: every byte is a blob's or a zero between them.
      if (offsets[i] > bytes.size() ||
          bytes.substr(end, offsets[i] - end).find_first_not_of('\0') != std::string_view::npos) {
        throw CorruptEntry("bad padding in an aligned payload");
      }
      end = offsets[i] + blobs[i].second;
    }
    if (end != bytes.size()) throw CorruptEntry("payload length is not what the header says");
  }
  std::optional<PayloadStream> payload;
  if (!aligned) payload.emplace(stored, parsed.codec);
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> checksum(XXH3_createState(), &XXH3_freeState);
  for (auto it = blobs.begin(); it != blobs.end(); ++it) {
    // Nothing wanted is left: the rest is neither decompressed nor checked now.
    if (std::all_of(it, blobs.end(), [&](const auto& b) { return sink.defers(b.first); })) return parsed.info;
    auto [blob, size] = *it;
    std::string_view in_place;  // aligned: the blob's bytes, read where they are
    if (aligned) {
      blob.in_place = Blob::Range{offsets[it - blobs.begin()], size};
      in_place = bytes.substr(blob.in_place->offset, size);
    }
    const bool wanted = !sink.defers(blob);
    if (wanted) sink.begin(blob);
    XXH3_state_t* state = checksum.get();
    XXH3_128bits_reset(state);
    uint64_t left = size;
    while (left > 0) {
      std::string_view chunk;
      if (payload) {
        chunk = payload->next(left);
      } else {
        chunk = in_place.substr(0, kInPlaceChunk);
        in_place.remove_prefix(chunk.size());
      }
      if (chunk.empty()) {
        if (wanted) sink.abandon();
        throw CorruptEntry("payload shorter than header says");
      }
      XXH3_128bits_update(state, chunk.data(), chunk.size());
      if (wanted) sink.data(chunk.data(), chunk.size());
      left -= chunk.size();
    }
    if (xxh3_hex(XXH3_128bits_digest(state)) != blob.checksum) {
      if (wanted) sink.abandon();
      throw CorruptEntry("digest mismatch in " + blob.name);
    }
    if (wanted) sink.end();
  }
  if (payload && !payload->finished()) throw CorruptEntry("payload longer than header says");
  return parsed.info;
}

EntryInfo check_entry(std::string_view bytes) {
  class DiscardingSink : public BlobSink {
   public:
    void begin(const Blob&) override {}
    void data(const char*, size_t) override {}
    void end() override {}
    void abandon() override {}
  };
  DiscardingSink sink;
  return decode_entry(bytes, sink);
}

EntryHeader peek_entry_header(std::string_view bytes) {
  ParsedHeader parsed = parse_header(bytes);
  EntryHeader header{std::move(parsed.info), {}};
  for (auto& [blob, size] : parsed.blobs) header.blobs.push_back(std::move(blob));
  return header;
}

std::optional<EntryInfo> read_entry_info(const std::string& path) {
  constexpr size_t kFixed = 8 + sizeof(uint32_t), kDigest = 32, kMaxHeader = 64 << 20;
  std::ifstream in(path, std::ios::binary);
  std::string bytes(kFixed, '\0');
  if (!in.read(bytes.data(), kFixed)) return std::nullopt;
  uint32_t header_size = 0;
  std::memcpy(&header_size, bytes.data() + 8, sizeof header_size);
  if (header_size > kMaxHeader) return std::nullopt;
  bytes.resize(kFixed + header_size + kDigest);
  if (!in.read(bytes.data() + kFixed, header_size + kDigest)) return std::nullopt;
  try {
    return peek_entry_info(bytes);
  } catch (const CorruptEntry&) {
    return std::nullopt;
  }
}

}  // namespace cratecache
