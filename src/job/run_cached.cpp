#include "job/run_cached.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <set>

#include "job/materialise.h"
#include "job/miss_record.h"
#include "job/single_flight.h"
#include "key/unit_key.h"
#include "store/events.h"
#include "util/env.h"
#include "util/log.h"

namespace cratecache {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t ms_since(Clock::time_point t) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

// One job's way through the store, and its counters and log lines.
class Attempt {
 public:
  Attempt(Job& job, Store& store, StatCache& digests) : job_(job), store_(store), digests_(digests) {}

  void set_keys(JobKeys keys) {
    keys_ = std::move(keys);
    manifest_key_.emplace(keys_.toolchain_id, keys_.input_key);
  }

  bool serve_hit(Tiers tiers);
  // Takes the input key's lock, waiting for a concurrent producer if there is one; leaves `flight`
  // empty when nothing will be stored (a read-only store), so there is nobody to wait for.
  void take_flight(std::optional<SingleFlight>& flight);
  void record_miss();
  void store_result(const TeeResult& run, uint64_t run_ms);

  void count_miss(const std::string& detail = "");
  void count_not_cached(const std::string& reason);
  // The lookup after the lock meets the same fault again: one fault, said and counted once.
  void count_error(const std::string& kind, const std::string& warning = "") {
    if (!counted_errors_.insert(kind).second) return;
    if (!warning.empty()) warn("{}", warning);
    store_.stats().add("errors." + kind);
  }

 private:
  Manifest local_manifest();
  Manifest read_manifest(const StoredObject& object);
  std::optional<EntryKey> match_manifest(Tiers tiers);
  std::optional<std::string> match_shared_manifest(Manifest& local, Tiers tier);
  void mark_toolchain_used();
  void log(const std::string& outcome, const std::string& detail, uint64_t saved_ms = 0);

  Job& job_;
  Store& store_;
  StatCache& digests_;
  JobKeys keys_;
  std::optional<EntryKey> manifest_key_;
  KeyInputs miss_inputs_;  // recorded by record_miss(), described in the manifest
  std::set<std::string> counted_errors_;
  Clock::time_point start_ = Clock::now();
};

}  // namespace

std::optional<int> run_cached(Job& job, Store& store, StatCache& digests) {
  Attempt attempt(job, store, digests);
  const Config& config = store.config();
  TeeResult run;
  uint64_t run_ms = 0;
  // Held until the result is stored: a waiter woken earlier would find nothing and compile too.
  std::optional<SingleFlight> flight;
  try {
    attempt.set_keys(job.keys());
    if (attempt.serve_hit(Tiers::kAll)) return 0;
    attempt.take_flight(flight);
    // Again after the lock, uncontended too: its previous holder may have stored the result just
    // now. Locally only: the remote tier was asked a moment ago, and its answer (and its faults,
    // counted) would be the same.
    if (flight && attempt.serve_hit(Tiers::kLocalOnly)) return 0;
    attempt.record_miss();
    Command command = job.command();
    auto started = Clock::now();
    run = run_tee(command.program, command.args);
    run_ms = ms_since(started);
  } catch (const OutputThroughSymlink& e) {
    warn("{}'s out-dir has a link where a cached output goes, running it without the cache: {}", job.name(), e.what());
    attempt.count_not_cached("out_dir_symlink");
    return std::nullopt;
  } catch (const OutputUnwritable& e) {
    // The tool gets the same directory: its own error is the one Cargo should show.
    warn("cannot put {}'s cached outputs in place, running it without the cache: {}", job.name(), e.what());
    attempt.count_not_cached("out_dir_unwritable");
    return std::nullopt;
  } catch (const std::exception& e) {
    warn("cache unavailable for {}, running it without the cache: {}", job.name(), e.what());
    attempt.count_error("lookup");
    return std::nullopt;
  }
  // The tool has run and Cargo has seen its output: from here on nothing may fail the build.
  if (run.exit_code != 0) {
    attempt.count_not_cached(job.failure_reason());
    return run.exit_code;
  }
  if (config.store_read_only()) {
    // Chosen (read_only) is quiet; found is said, in case it was not meant.
    if (!config.read_only) warn("{} not stored: cannot write to {} (read_only = true if meant)", job.name(), config.dir);
    attempt.count_miss("read_only");
    return 0;
  }
  attempt.store_result(run, run_ms);
  return 0;
}

namespace {

bool Attempt::serve_hit(Tiers tiers) {
  auto key = match_manifest(tiers);
  if (!key) return false;
  auto entry = store_.get(Kind::kEntry, *key, tiers);
  if (!entry) return false;
  Replay replay;
  try {
    // A manifest may lead to an intact entry of another unit (written by anyone who can write it):
    // its crate, kind and file names must be this job's before anything is written.
    EntryHeader header = peek_entry_header(entry->bytes());
    const EntryInfo& info = header.info;
    if (info.crate_name != job_.entry_crate() || info.unit_kind != job_.kind()) {
      count_error("wrong_entry", fmt::format("ignoring a stored entry of {} ({}) found for {} ({})", info.crate_name,
                                             info.unit_kind, job_.name(), job_.kind()));
      return false;
    }
    for (const Blob& blob : header.blobs) {
      if (is_message_blob(blob) || job_.expects_output(blob.name)) continue;
      count_error("wrong_entry", fmt::format("ignoring a stored entry of {} with a file it does not write: {}",
                                             job_.name(), blob.name.substr(0, 100)));
      return false;
    }
    // A blob is left in an entry only when its header's digest of it can be believed.
    std::string deferred = entry->authenticated ? job_.deferred_blob() : "";
    // Cloned only from this user's own file: no one else can change it between clone and check.
    bool own_file = entry->mapped && entry->mapped->owner() == ::geteuid();
    replay = materialise(entry->bytes(), job_.out_dir(), job_.normaliser(), digests_, deferred, entry->authenticated,
                         own_file ? entry->mapped->fd() : -1);
    job_.after_hit(*entry, replay);
  } catch (const CorruptEntry& e) {
    warn("removing corrupt cache entry of {} ({})", job_.name(), e.what());
    store_.remove(Kind::kEntry, *key);
    count_error("corrupt_entry");
    return false;
  }
  // Outputs first, then the messages: Cargo may act on an artifact notice at once. Nothing after
  // them may throw: the tool must not run once Cargo has seen this job's messages.
  replay_output(replay);
  uint64_t spent = ms_since(start_);
  uint64_t saved = replay.info.compile_ms > spent ? replay.info.compile_ms - spent : 0;
  store_.stats().add_many({{"hits", 1},
                           {"hits." + job_.kind(), 1},
                           {"time_saved_ms", static_cast<int64_t>(saved)},
                           {"cloned_bytes", static_cast<int64_t>(replay.cloned_bytes)}});
  mark_toolchain_used();
  log("hit", "", saved);
  return true;
}

Manifest Attempt::local_manifest() {
  auto object = store_.get(Kind::kManifest, *manifest_key_, Tiers::kLocalOnly);
  return object ? read_manifest(*object) : Manifest();
}

// A manifest anyone may have written names inputs only beneath the job's roots.
Manifest Attempt::read_manifest(const StoredObject& object) {
  Manifest manifest = Manifest::parse(std::string(object.bytes()));
  if (!object.authenticated) manifest.confine(job_.input_roots(), job_.normaliser());
  return manifest;
}

// A manifest's result key names an entry only when it is one we make: it came from a file any
// process with write access to the store (or the remote) could have written.
std::optional<EntryKey> Attempt::match_manifest(Tiers tiers) {
  Manifest local = local_manifest();
  auto text = local.match(job_.normaliser(), getenv_fn, digests_);
  if (!text && tiers == Tiers::kAll && store_.has_shared()) text = match_shared_manifest(local, Tiers::kSharedOnly);
  if (!text && tiers == Tiers::kAll) text = match_shared_manifest(local, Tiers::kRemoteOnly);
  if (!text) return std::nullopt;
  auto key = EntryKey::parse(*text);
  if (!key) count_error("invalid_key", "ignoring a manifest's result key that is not an entry key: " + text->substr(0, 100));
  return key;
}

// Another user or machine may have produced this input key: its manifest is in the shared store
// or on the remote tier.
std::optional<std::string> Attempt::match_shared_manifest(Manifest& local, Tiers tier) {
  auto object = store_.get(Kind::kManifest, *manifest_key_, tier);
  if (!object) return std::nullopt;
  Manifest remote = read_manifest(*object);
  auto key = remote.match(job_.normaliser(), getenv_fn, digests_);
  if (key && !store_.config().store_read_only()) {
    local.merge(remote);
    try {
      store_.put(Kind::kManifest, *manifest_key_, local.serialize(), Tiers::kLocalOnly);
    } catch (const std::exception&) {
      // Next time the remote manifest is fetched again.
    }
  }
  return key;
}

void Attempt::take_flight(std::optional<SingleFlight>& flight) {
  if (store_.config().store_read_only()) return;
  flight.emplace(store_.layout(), keys_.input_key);
  if (!flight->try_lock()) {
    // Someone else is producing this very result: wait for it rather than duplicate the work.
    store_.stats().add("single_flight_waits");
    if (!flight->wait(std::chrono::milliseconds(store_.config().lock_timeout_ms))) count_error("single_flight_timeout");
  }
}

// Before the tool runs, so that the mismatches are those of the state it is about to see.
void Attempt::record_miss() {
  try {
    miss_inputs_ = job_.key_inputs();
    MissRecord r{static_cast<int64_t>(::time(nullptr)), job_.name(), job_.kind(), keys_.input_key, miss_inputs_, {}};
    r.mismatches = local_manifest().mismatches(job_.normaliser(), getenv_fn, digests_);
    if (!store_.config().store_read_only()) write_miss_record(store_.layout(), r);
  } catch (const std::exception& e) {
    warn("cannot record why {} missed: {}", job_.name(), e.what());
  }
}

void Attempt::store_result(const TeeResult& run, uint64_t run_ms) {
  try {
    Collected collected = job_.collect(run, run_ms);
    if (auto* reason = std::get_if<std::string>(&collected)) {
      count_not_cached(*reason);
      return;
    }
    JobResult& result = std::get<JobResult>(collected);
    std::vector<SourceDigest> inputs;
    for (const auto& f : result.candidate.files) inputs.push_back({f.path, f.digest});
    EntryKey entry_key(keys_.toolchain_id, compute_result_key(keys_.input_key, inputs, result.candidate.env));
    result.candidate.result_key = entry_key.str();
    std::string entry = encode_entry(result.entry, store_.entry_compression());
    Manifest manifest = local_manifest();
    manifest.add(std::move(result.candidate));
    manifest.describe({job_.name(), job_.kind(), miss_inputs_});
    // The entry first, in every tier: a reader that finds the manifest then finds the entry.
    store_.put(Kind::kEntry, entry_key, entry);
    store_.put(Kind::kManifest, *manifest_key_, manifest.serialize());
    store_.upload_queued();
    mark_toolchain_used();
    job_.after_store(result.entry);
    count_miss();
  } catch (const std::exception& e) {
    warn("could not store {} ({}) in the cache: {}", job_.name(), job_.kind(), e.what());
    count_error("store_write");
  }
}

void Attempt::count_miss(const std::string& detail) {
  store_.stats().add_many({{"misses", 1}, {"misses." + job_.kind(), 1}});
  log("miss", detail);
}

void Attempt::count_not_cached(const std::string& reason) {
  store_.stats().add("not_cached." + reason);
  log("not_cached", reason);
}

void Attempt::log(const std::string& outcome, const std::string& detail, uint64_t saved_ms) {
  record_event(store_.config(), {outcome, job_.name(), job_.kind(), detail, saved_ms});
}

// The mtime of the toolchain's `used` file is when it last served or stored anything
// (`cratecache gc --drop-toolchains-unused-for`).
void Attempt::mark_toolchain_used() {
  std::string path = store_.layout().toolchain_used(keys_.toolchain_id);
  if (::utimensat(AT_FDCWD, path.c_str(), nullptr, 0) == 0) return;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) ::close(fd);
}

}  // namespace
}  // namespace cratecache
