#include "manager/gc.h"

#include <fmt/core.h>

#include <ctime>
#include <filesystem>

#include "store/events.h"
#include "store/local_store.h"
#include "util/fs.h"

namespace cratecache {
namespace {

std::string mib(uint64_t bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20)); }

// Removes the files under `dir` not modified for `age` whose name contains `marker`.
void remove_litter(const std::string& dir, std::chrono::hours age, std::string_view marker) {
  namespace fs = std::filesystem;
  auto cutoff = fs::file_time_type::clock::now() - age;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().filename().string().find(marker) != std::string::npos &&
        it->last_write_time(ec) < cutoff) {
      fs::remove(it->path(), ec);
    }
  }
}

}  // namespace

int run_gc(const Config& config, const GcOptions& options) {
  StoreLayout layout(config.dir);
  LocalStore store(layout, config.max_size);
  if (options.drop_unused_for_days) {
    int64_t cutoff = static_cast<int64_t>(std::time(nullptr)) - int64_t{*options.drop_unused_for_days} * 86400;
    for (const auto& t : store.usage_by_toolchain()) {
      if (t.last_used >= cutoff) continue;
      uint64_t freed = store.drop_toolchain(t.id);
      fmt::print("dropped toolchain {} ({}): {} entries, {}\n", t.id, t.release.empty() ? "unknown" : t.release,
                 t.usage.entries, mib(freed));
    }
  }
  uint64_t limit = options.max_size.value_or(config.max_size);
  // With the entries go their manifests, and idle locks and stale stat records (local_store.h).
  Trimmed trimmed = store.evict_to(limit);
  // write_file_atomic's "<name>.tmp.<pid>.<n>", left by a writer killed before its rename; no
  // write lasts an hour.
  remove_litter(layout.dir(), std::chrono::hours(1), ".tmp.");
  remove_old_events(layout, kEventDays);
  fmt::print("gc: removed {} least recently used entries, {} manifests, {} idle locks, {} stale stat records; "
             "store now {} entries, {} with manifests (limit {})\n",
             trimmed.entries, trimmed.manifests, trimmed.locks, trimmed.stat_records,
             trimmed.left.entries, mib(trimmed.left.bytes), mib(limit));
  return 0;
}

}  // namespace cratecache
