#include "manager/gc.h"

#include <fmt/core.h>

#include <ctime>

#include "store/events.h"
#include "store/local_store.h"
#include "store/project_db.h"
#include "util/fs.h"

namespace cratecache {
namespace {

// A project not built for this long is no longer one `warm` should prepare for.
constexpr int kRecordDays = 90;

std::string mib(uint64_t bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20)); }

// Records go with the toolchains that last built them, and with age: warm builds what was built
// recently, and CI checkouts in fresh paths would otherwise add records without end.
void prune_records(const StoreLayout& layout, const std::vector<ToolchainUsage>& dropped) {
  if (!stat_file(layout.project_db())) return;
  try {
    ProjectDb records(layout);
    std::vector<DroppedToolchain> toolchains;
    for (const auto& t : dropped) toolchains.push_back({t.id, t.release});
    size_t removed = toolchains.empty() ? 0 : records.drop_toolchains(toolchains);
    removed += records.drop_built_before(static_cast<int64_t>(std::time(nullptr)) - int64_t{kRecordDays} * 86400);
    if (removed) fmt::print("gc: removed {} project records (of dropped toolchains, or not built for {} days)\n", removed, kRecordDays);
  } catch (const std::exception& e) {
    fmt::print(stderr, "cratecache gc: project records left as they are: {}\n", e.what());
  }
}

}  // namespace

// One walk of the store: the toolchains' sizes come from the counters, and their directories go
// whole before the trim, whose walk then sets the counters exactly.
int run_gc(const Config& config, const GcOptions& options) {
  StoreLayout layout(config.dir);
  LocalStore store(layout, config.max_size);
  std::vector<ToolchainUsage> unused;
  if (options.drop_unused_for_days) {
    int64_t cutoff = static_cast<int64_t>(std::time(nullptr)) - int64_t{*options.drop_unused_for_days} * 86400;
    std::vector<std::string> ids;
    for (auto& t : store.usage_by_toolchain()) {
      if (t.last_used >= cutoff) continue;
      ids.push_back(t.id);
      unused.push_back(std::move(t));
    }
    store.drop_toolchains(ids);
    for (const auto& t : unused) {
      fmt::print("dropped toolchain {} ({}): {} entries, {}\n", t.id, t.release.empty() ? "unknown" : t.release,
                 t.usage.entries, mib(t.usage.bytes));
    }
  }
  uint64_t limit = options.max_size.value_or(config.max_size);
  // With the entries go their manifests, and idle locks, stale stat records and the temp files of
  // writers killed before their rename (local_store.h).
  Trimmed trimmed = store.evict_to(limit);
  remove_old_events(layout, kEventDays);
  prune_records(layout, unused);
  fmt::print("gc: removed {} least recently used entries, {} manifests, {} idle locks, {} stale stat records; "
             "store now {} entries, {} with manifests (limit {})\n",
             trimmed.entries, trimmed.manifests, trimmed.locks, trimmed.stat_records,
             trimmed.left.entries, mib(trimmed.left.bytes), mib(limit));
  return 0;
}

}  // namespace cratecache
