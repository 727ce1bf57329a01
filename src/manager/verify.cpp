#include "manager/verify.h"

#include <fmt/core.h>

#include "entry/entry.h"
#include "store/local_store.h"
#include "store/remote/object_signature.h"
#include "util/fs.h"

namespace cratecache {

int run_verify(const Config& config, bool remove_bad) {
  size_t checked = 0, bad = 0;
  LocalStore store(StoreLayout(config.dir), config.max_size);
  store.layout().for_each_entry([&](const StoreLayout::EntryFile& f) {
    ++checked;
    try {
      // A signed store keeps each entry's signature after it.
      check_entry(without_signature(read_file(f.path)));
    } catch (const std::exception& e) {
      ++bad;
      fmt::print("bad entry {}: {}{}\n", f.path, e.what(), remove_bad ? " (removed)" : "");
      if (remove_bad) store.remove(f);  // counted, as the store's own removals are
    }
  });
  fmt::print("verify: {} entries checked, {} bad\n", checked, bad);
  return bad == 0 ? 0 : 1;
}

}  // namespace cratecache
