#include "store/cached_job.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include "store/events.h"
#include "store/materialise.h"
#include "store/miss_record.h"
#include "store/single_flight.h"
#include "util/env.h"
#include "util/fs.h"
#include "util/log.h"

namespace cratecache {
namespace {

uint64_t ms_since(std::chrono::steady_clock::time_point t) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count());
}

}  // namespace

CachedJob::CachedJob(const Config& config, std::string name, std::string kind, std::string out_dir,
                     PathNormaliser normaliser)
    : config_(config),
      name_(std::move(name)),
      kind_(std::move(kind)),
      out_dir_(std::move(out_dir)),
      normaliser_(std::move(normaliser)),
      store_(config),
      stats_(config.dir),
      digests_(config.dir + "/stat") {}

void CachedJob::set_keys(std::string input_key, std::string toolchain_id) {
  input_key_ = std::move(input_key);
  toolchain_id_ = std::move(toolchain_id);
  manifest_path_ = config_.dir + "/manifests/" + input_key_.substr(0, 2) + "/" + input_key_ + ".json";
}

int CachedJob::serve_or_produce(const std::function<int()>& produce) {
  if (try_replay()) return 0;
  if (config_.store_read_only()) return produce();  // nothing will be stored: no one to wait for
  SingleFlight flight(config_.dir, input_key_);
  if (!flight.try_lock()) {
    // Someone else is producing this very result: wait for it rather than duplicate the work.
    stats_.add("single_flight_waits");
    bool got_lock = flight.wait(std::chrono::milliseconds(config_.lock_timeout_ms));
    if (!got_lock) count_error("single_flight_timeout");
  }
  // Again after the lock, uncontended too: its previous holder may have stored the result just
  // now. Locally only: the remote tier was asked a moment ago, and its answer (and its faults,
  // counted) would be the same.
  if (try_replay(true)) return 0;
  return produce();
}

bool CachedJob::try_replay(bool local_only) {
  auto key = Manifest::load(manifest_path_).match(normaliser_, getenv_fn, digests_);
  if (!key && !local_only) key = match_remote_manifest();
  if (!key) return false;
  auto entry = store_.get(*key, local_only);
  if (!entry) return false;
  std::string_view bytes = entry->bytes();
  Replay replay;
  try {
    replay = materialise(bytes, out_dir_, normaliser_, digests_, deferred_blob());
    after_materialise(store_.local_entry_path(*key), bytes);
  } catch (const CorruptEntry& e) {
    warn("removing corrupt cache entry of {} ({})", name_, e.what());
    store_.remove(*key);
    count_error("corrupt_entry");
    return false;
  }
  // Outputs first, then the messages: Cargo may act on an artifact notice at once. Nothing after
  // them may throw: rustc must not run once Cargo has seen this unit's messages.
  replay_output(replay);
  uint64_t spent = ms_since(start_);
  uint64_t saved = replay.info.compile_ms > spent ? replay.info.compile_ms - spent : 0;
  stats_.add_many({{"hits", 1}, {"hits." + kind_, 1}, {"time_saved_ms", static_cast<int64_t>(saved)}});
  mark_toolchain_used();
  log("hit", "", saved);
  return true;
}

int CachedJob::run_and_store(const std::string& program, const std::vector<std::string>& args,
                             const std::string& failure_reason, const StoreFn& store) {
  record_miss();
  auto start = std::chrono::steady_clock::now();
  TeeResult run = run_tee(program, args);
  uint64_t run_ms = ms_since(start);
  if (run.exit_code != 0) {
    count_not_cached(failure_reason);
    return run.exit_code;
  }
  if (config_.store_read_only()) {
    // Chosen (read_only) is quiet; found is said, in case it was not meant.
    if (!config_.read_only) {
      warn("{} not stored: cannot write to {} (read_only = true if meant)", name_, config_.dir);
    }
    count_miss("read_only");
    return 0;
  }
  try {
    if (auto reason = store(run, run_ms)) {
      count_not_cached(*reason);
    } else {
      count_miss();
    }
  } catch (const std::exception& e) {
    warn("could not store {} ({}) in the cache: {}", name_, kind_, e.what());
    count_error("store_write");
  }
  return 0;
}

// Another machine may have produced this input key: its manifest is on the remote tier.
std::optional<std::string> CachedJob::match_remote_manifest() {
  auto text = store_.get_remote_manifest(input_key_);
  if (!text) return std::nullopt;
  Manifest remote = Manifest::parse(*text);
  auto key = remote.match(normaliser_, getenv_fn, digests_);
  if (key && !config_.store_read_only()) {
    Manifest local = Manifest::load(manifest_path_);
    local.merge(remote);
    try {
      local.save(manifest_path_);
    } catch (const std::exception&) {
      // Next time the remote manifest is fetched again.
    }
  }
  return key;
}

void CachedJob::save(ManifestCandidate candidate, Entry& entry) {
  std::string key = toolchain_id_ + "/" + candidate.result_key;
  candidate.result_key = key;
  Manifest manifest = Manifest::load(manifest_path_);
  manifest.add(std::move(candidate));
  manifest.describe({name_, kind_, miss_inputs_});
  manifest.save(manifest_path_);
  store_.put_with_manifest(key, encode_entry(entry, config_.compression), input_key_, manifest.serialize());
  mark_toolchain_used();
}

// Before the tool runs, so that the mismatches are those of the state it is about to see.
void CachedJob::record_miss() {
  try {
    miss_inputs_ = key_inputs();
    MissRecord r{static_cast<int64_t>(::time(nullptr)), name_, kind_, input_key_, miss_inputs_, {}};
    r.mismatches = Manifest::load(manifest_path_).mismatches(normaliser_, getenv_fn, digests_);
    if (!config_.store_read_only()) write_miss_record(config_.dir, r);
  } catch (const std::exception& e) {
    warn("cannot record why {} missed: {}", name_, e.what());
  }
}

void CachedJob::count_miss(const std::string& detail) {
  stats_.add_many({{"misses", 1}, {"misses." + kind_, 1}});
  log("miss", detail);
}

void CachedJob::count_not_cached(const std::string& reason) {
  stats_.add("not_cached." + reason);
  log("not_cached", reason);
}

void CachedJob::count_error(const std::string& kind) { stats_.add("errors." + kind); }

void CachedJob::log(const std::string& outcome, const std::string& detail, uint64_t saved_ms) {
  record_event(config_, {outcome, name_, kind_, detail, saved_ms});
}

// The mtime of toolchains/<id>.used is when the toolchain last served or stored anything
// (`cratecache gc --drop-toolchains-unused-for`).
void CachedJob::mark_toolchain_used() {
  std::string path = config_.dir + "/toolchains/" + toolchain_id_ + ".used";
  if (::utimensat(AT_FDCWD, path.c_str(), nullptr, 0) == 0) return;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) ::close(fd);
}

}  // namespace cratecache
