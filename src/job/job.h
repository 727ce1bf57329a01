#pragma once
// One unit of work the cache can serve: a rustc invocation (wrapper/) or a build-script run
// (buildscript/). A job knows its keys, its tool and its outputs; run_cached (run_cached.h) does
// the rest the same way for both: lookup, single flight, running, storing, counting.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "entry/entry.h"
#include "job/materialise.h"
#include "key/key_inputs.h"
#include "key/manifest.h"
#include "key/path_normaliser.h"
#include "key/project_roots.h"
#include "store/store.h"
#include "util/process.h"

namespace cratecache {

struct JobKeys {
  std::string input_key;     // 64 hex: what is known before the tool runs
  std::string toolchain_id;  // 16 hex, or "none": the entry's directory
};

struct Command {
  std::string program;
  std::vector<std::string> args;
};

// What a successful run produced: the inputs it was seen to read (the candidate's result key is
// left to run_cached) and its outputs.
struct JobResult {
  ManifestCandidate candidate;
  Entry entry;
};
// A result, or the reason it must not be stored (a `not_cached` counter).
using Collected = std::variant<JobResult, std::string>;

class Job {
 public:
  virtual ~Job() = default;

  // The crate or package and the unit kind, for stats, the log and `cratecache explain`.
  virtual std::string name() const = 0;
  virtual std::string kind() const = 0;
  // The crate its entries carry (rustc's crate name; a run's package): a hit's entry must be one.
  virtual std::string entry_crate() const { return name(); }
  // Whether a file of this name (relative to out_dir()) is one this job could have produced: a
  // manifest may lead to anyone's intact entry, and a hit writes only the files a run of this
  // job would have.
  virtual bool expects_output(std::string_view relative_name) const = 0;
  // Where a hit's files go, and how project paths in them are restored.
  virtual std::string out_dir() const = 0;
  virtual const PathNormaliser& normaliser() const = 0;
  // The directories its inputs may lie in: a manifest that is not authenticated is read only
  // beneath them (Manifest::confine). Asked for after keys().
  virtual InputRoots input_roots() const = 0;

  // Throws on any fault; nothing has run yet.
  virtual JobKeys keys() = 0;
  // The input key's inputs, labelled: computed again on a miss only.
  virtual KeyInputs key_inputs() = 0;
  // The real tool, on a miss, just before it runs. Throws when it cannot be made ready.
  virtual Command command() = 0;
  // The `not_cached` reason when the tool fails.
  virtual std::string failure_reason() const = 0;
  // What a successful run produced. Throws on a fault (counted; the build goes on).
  virtual Collected collect(const TeeResult& run, uint64_t run_ms) = 0;

  // A blob of a hit to leave in its entry (entry/deferred_blob.h); empty for none.
  virtual std::string deferred_blob() const { return ""; }
  // A hit's files are in place; its messages (`replay`, paths restored) are not yet replayed.
  // Throws CorruptEntry.
  virtual void after_hit(const StoredObject& /*entry*/, const Replay& /*replay*/) {}
  // A miss's result is stored; `entry` as encoded (blob digests filled).
  virtual void after_store(const Entry& /*entry*/) {}
};

}  // namespace cratecache
