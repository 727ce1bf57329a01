#pragma once
// What a rustc unit and a build-script run share: looking a result up through the manifest of its
// input key, replaying a hit into a directory, single-flight between concurrent misses, storing a
// new result, and the counters and log line of each outcome.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "config/config.h"
#include "key/manifest.h"
#include "key/path_normaliser.h"
#include "key/stat_cache.h"
#include "store/entry.h"
#include "store/tiered_storage.h"
#include "util/process.h"
#include "store/stats.h"

namespace cratecache {

class CachedJob {
 public:
  // `name` is the crate or package, `kind` the unit kind (for stats and the log), `out_dir` where
  // a hit's files go.
  CachedJob(const Config& config, std::string name, std::string kind, std::string out_dir,
            PathNormaliser normaliser);
  virtual ~CachedJob() = default;

  // Serves a stored result, or calls `produce` (which runs the real tool and may call save()).
  // Returns the exit code to give Cargo. Throws only before anything ran.
  int serve_or_produce(const std::function<int()>& produce);

  // Runs the real tool (its output streamed to Cargo); on success calls `store` (unless the store
  // is read-only), which saves the result with save() or returns a reason not to. A failing tool
  // is passed through uncached, counted as `failure_reason`; a fault while storing is a warning,
  // never a failed build.
  using StoreFn = std::function<std::optional<std::string>(const TeeResult& run, uint64_t run_ms)>;
  int run_and_store(const std::string& program, const std::vector<std::string>& args,
                    const std::string& failure_reason, const StoreFn& store);

  void save(ManifestCandidate candidate, Entry& entry);
  // `detail` says why a miss was not stored ("read_only"); empty when it was.
  void count_miss(const std::string& detail = "");
  void count_not_cached(const std::string& reason);
  void count_error(const std::string& kind);

  const std::string& name() const { return name_; }
  const PathNormaliser& normaliser() const { return normaliser_; }
  StatCache& digests() { return digests_; }
  const Config& config() const { return config_; }

 protected:
  // The keys must be set (by the subclass' preparation) before serve_or_produce.
  void set_keys(std::string input_key, std::string toolchain_id);
  const std::string& input_key() const { return input_key_; }
  // A blob of a hit to leave in its entry (see deferred_blob.h); empty for none.
  virtual std::string deferred_blob() const { return ""; }
  // Called after a hit's files are in place, before its messages are replayed, with the entry
  // served (its bytes and the local file holding it).
  virtual void after_materialise(const std::string& /*entry_path*/, std::string_view /*entry_bytes*/) {}
  // The input key's labelled inputs (computed again, only on a miss: `cratecache explain`).
  virtual KeyInputs key_inputs() = 0;

 private:
  bool try_replay(bool local_only = false);
  std::optional<std::string> match_remote_manifest();
  void log(const std::string& outcome, const std::string& detail, uint64_t saved_ms = 0);
  void mark_toolchain_used();
  void record_miss();

  const Config& config_;
  std::string name_;
  std::string kind_;
  std::string out_dir_;
  PathNormaliser normaliser_;
  TieredStorage store_;
  Stats stats_;
  StatCache digests_;
  std::string input_key_;
  std::string toolchain_id_;
  std::string manifest_path_;
  KeyInputs miss_inputs_;  // set by record_miss(), stored in the manifest by save()
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace cratecache
