#include "key/content_digest.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "util/digest.h"
#include "util/fs.h"

namespace cratecache {
namespace fs = std::filesystem;

std::string content_digest(const std::string& path) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return kAbsent;
  if (!fs::is_directory(status)) return sha256_file(path);
  std::vector<std::string> files;
  for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) files.push_back(fs::relative(it->path(), path, ec).string());
  }
  std::sort(files.begin(), files.end());
  Sha256 h;
  h.field("tree");
  for (const auto& f : files) {
    h.field(f);
    h.field(sha256_file(path + "/" + f));
  }
  return h.hex_final();
}

}  // namespace cratecache
