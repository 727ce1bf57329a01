#include "manager/verify.h"

#include <fmt/core.h>

#include <filesystem>

#include "store/entry.h"
#include "util/fs.h"

namespace cratecache {
namespace {

// Checks digests without keeping the data.
class DiscardingSink : public BlobSink {
 public:
  void begin(const Blob&) override {}
  void data(const char*, size_t) override {}
  void end() override {}
  void abandon() override {}
};

}  // namespace

int run_verify(const Config& config, bool remove_bad) {
  namespace fs = std::filesystem;
  size_t checked = 0, bad = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(config.dir + "/entries", ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->path().extension() != ".entry") continue;
    ++checked;
    std::string path = it->path().string();
    try {
      DiscardingSink sink;
      decode_entry(read_file(path), sink);
    } catch (const std::exception& e) {
      ++bad;
      fmt::print("bad entry {}: {}{}\n", path, e.what(), remove_bad ? " (removed)" : "");
      if (remove_bad) fs::remove(it->path(), ec);
    }
  }
  fmt::print("verify: {} entries checked, {} bad\n", checked, bad);
  return bad == 0 ? 0 : 1;
}

}  // namespace cratecache
