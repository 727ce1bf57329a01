#include "manager/publish.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "entry/entry.h"
#include "key/manifest.h"
#include "util/beneath.h"

namespace cratecache {
namespace {

constexpr uint64_t kMaxManifestBytes = 16ull << 20;

// Directory `name` in `parent`, never through a link.
DirFd open_subdir(int parent, const std::string& name) {
  return DirFd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

std::vector<std::string> list(int dir) { return names_in(dir).value_or(std::vector<std::string>{}); }

// "<64 hex><suffix>" -> the digest.
std::optional<std::string> digest_named(const std::string& file, const std::string& suffix) {
  if (file.size() != 64 + suffix.size() || file.compare(64, std::string::npos, suffix) != 0) return std::nullopt;
  std::string digest = file.substr(0, 64);
  if (!EntryKey::is_digest(digest)) return std::nullopt;
  return digest;
}

std::string read_produced(int dir, const std::string& name, uid_t producer, uint64_t max_bytes) {
  return read_file_of(dir, name, producer, "the build user's", max_bytes);
}

// Every blob of an entry, checked as it is decoded, kept to be encoded again.
class KeepBlobs : public BlobSink {
 public:
  std::vector<Blob> blobs;
  void begin(const Blob& header) override {
    blobs.push_back(header);
    blobs.back().data.clear();
  }
  void data(const char* bytes, size_t size) override { blobs.back().data.append(bytes, size); }
  void end() override {}
  void abandon() override { blobs.pop_back(); }
};

std::string reencoded(std::string_view bytes, const Compression& compression) {
  KeepBlobs kept;
  EntryInfo info = decode_entry(bytes, kept);
  Entry entry{std::move(kept.blobs), info.crate_name, info.unit_kind, info.toolchain, info.compile_ms};
  return encode_entry(entry, compression);
}

class Publisher {
 public:
  Publisher(int scratch, uid_t producer, Store& published)
      : scratch_(scratch), producer_(producer), published_(published) {}

  void entries() {
    DirFd root = open_subdir(scratch_, "entries");
    for (const auto& toolchain : list(root.get())) {
      DirFd toolchain_dir = open_subdir(root.get(), toolchain);
      if (!EntryKey::is_toolchain_id(toolchain) || toolchain_dir.get() < 0) {
        refuse("entries/" + toolchain, "not a toolchain directory");
        continue;
      }
      for (const auto& fan : list(toolchain_dir.get())) {
        DirFd fan_dir = open_subdir(toolchain_dir.get(), fan);
        for (const auto& file : list(fan_dir.get())) {
          auto digest = digest_named(file, ".entry");
          if (digest) entry(fan_dir.get(), file, EntryKey(toolchain, *digest));
        }
      }
    }
  }

  void manifests() {
    DirFd root = open_subdir(scratch_, "manifests");
    for (const auto& fan : list(root.get())) {
      DirFd fan_dir = open_subdir(root.get(), fan);
      for (const auto& file : list(fan_dir.get())) {
        auto digest = digest_named(file, ".json");
        if (digest) manifest(fan_dir.get(), file, *digest);
      }
    }
  }

  PublishCounts counts;

 private:
  void refuse(const std::string& what, const std::string& why) { counts.refused.push_back(what + ": " + why); }

  void entry(int dir, const std::string& file, const EntryKey& key) {
    if (published_.get(Kind::kEntry, key, Tiers::kLocalOnly)) return;
    try {
      uint64_t bound = std::min<uint64_t>(kMaxEntryBytes, published_.config().max_size);
      std::string bytes = reencoded(read_produced(dir, file, producer_, bound), published_.entry_compression());
      published_.put(Kind::kEntry, key, bytes);
      ++counts.entries;
    } catch (const std::exception& e) {
      refuse("entry " + key.str(), e.what());
    }
  }

  void manifest(int dir, const std::string& file, const std::string& input_key) {
    try {
      Manifest produced = Manifest::parse(read_produced(dir, file, producer_, kMaxManifestBytes));
      // A manifest's signature names its toolchain: the one of every entry it leads to.
      std::optional<std::string> toolchain;
      for (const auto& text : produced.result_keys()) {
        auto key = EntryKey::parse(text);
        if (!key || (toolchain && *toolchain != key->toolchain())) throw std::runtime_error("candidates of no single toolchain");
        toolchain = key->toolchain();
      }
      if (!toolchain) throw std::runtime_error("no candidates");
      EntryKey key(*toolchain, input_key);
      auto existing = published_.get(Kind::kManifest, key, Tiers::kLocalOnly);
      std::string before = existing ? std::string(existing->bytes()) : "";
      Manifest merged = produced;
      if (existing) merged.merge(Manifest::parse(before));
      std::string after = merged.serialize();
      if (after == before) return;
      published_.put(Kind::kManifest, key, after);
      ++counts.manifests;
    } catch (const std::exception& e) {
      refuse("manifest " + input_key, e.what());
    }
  }

  int scratch_;
  uid_t producer_;
  Store& published_;
};

}  // namespace

PublishCounts publish_scratch(const std::string& scratch_dir, uid_t producer, Store& published) {
  DirFd scratch(::open(scratch_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (scratch.get() < 0) throw std::runtime_error("cannot open " + scratch_dir + ": " + std::strerror(errno));
  Publisher publisher(scratch.get(), producer, published);
  // Entries first: a reader that finds a manifest finds its entry.
  publisher.entries();
  publisher.manifests();
  published.upload_queued();
  return publisher.counts;
}

}  // namespace cratecache
