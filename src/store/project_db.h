#pragma once
// Project records: for each project built through cratecache, what rebuilding its dependencies
// needs — the manifest's dependency tables, Cargo.lock, toolchain, target, profile, when it was
// last built — and never its code. Kept in SQLite in the store (layout.h); `cratecache warm`
// replays them for a new toolchain.
//
// Many projects share a lockfile (and dependency tables), and a project is rebuilt far more often
// than its lockfile changes: each text is stored once, by its SHA-256, and records refer to it; a
// text goes with the last record that refers to it.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/layout.h"


struct sqlite3;

namespace cratecache {

struct ProjectRecord {
  std::string manifest_path;  // identity of the record
  std::string dependencies;   // TOML: [package] name/version/edition + dependency/feature/profile tables
  std::string lockfile;       // Cargo.lock text, may be empty
  std::string rustc;          // path Cargo ran
  std::string toolchain;      // release, e.g. "1.95.0"
  std::string toolchain_id;   // Toolchain::short_id(), the store's name for it; empty in records from before it was kept
  std::string target;         // triple, empty for the host
  std::string profile;        // "dev", "release", or a custom profile
  int64_t last_built = 0;     // unix seconds
  int64_t builds = 0;
};

// What `projects` lists of a record: everything but its texts.
struct ProjectSummary {
  std::string manifest_path;
  std::string toolchain;
  std::string target;
  std::string profile;
  int64_t last_built = 0;
  int64_t builds = 0;
};

// One distinct (dependencies, lockfile, profile, target) of the records warm chose; its texts are
// loaded by digest (ProjectDb::text) when its stub is written.
struct RecordedBuild {
  std::string label;  // manifest path of its most recently built record
  std::string dependencies_digest;
  std::string lockfile_digest;
  std::string profile;
  std::string target;
};

// A toolchain gc drops, as gc knows it (ToolchainUsage in local_store.h).
struct DroppedToolchain {
  std::string id;       // Toolchain::short_id(): the store's entries/ directory
  std::string release;  // "1.95.0 x86_64-unknown-linux-gnu" (the id's .release file), may be empty
};

// Keeps only what a dependency build needs from a Cargo.toml. Throws on a parse error.
std::string dependency_tables(const std::string& cargo_toml);

class ProjectDb {
 public:
  // Moving an older version's records (texts inline) takes seconds at 10^4 records: a build
  // never waits for it. It records into the new tables and leaves the old ones to the next
  // manager command (`projects`, `warm`, `gc`), whose records then win over the old.
  enum class Migration { kNow, kLeaveToManager };
  // Creates the tables, and moves an older version's records into them unless told to leave them.
  explicit ProjectDb(const StoreLayout& layout, Migration migration = Migration::kNow);
  ~ProjectDb();
  ProjectDb(const ProjectDb&) = delete;
  ProjectDb& operator=(const ProjectDb&) = delete;

  // A rebuild with unchanged texts writes the record's counters only.
  void upsert(const ProjectRecord& record);

  // Each record, most recently built first, one at a time.
  void list(const std::function<void(const ProjectSummary&)>& each) const;

  // The records built at or after `built_since` (unix seconds), of those the `top` most built,
  // one per distinct (dependencies, lockfile, profile, target); most recently built first.
  std::vector<RecordedBuild> distinct_builds(int64_t built_since, std::optional<size_t> top) const;
  // A text by its digest; throws std::runtime_error when there is none.
  std::string text(const std::string& digest) const;

  // Removes the records of dropped toolchains: those the toolchain built last, and those from
  // before ids were kept whose release is the toolchain's. Returns how many.
  size_t drop_toolchains(const std::vector<DroppedToolchain>& dropped);
  // Removes the records last built before `cutoff` (unix seconds). Returns how many.
  size_t drop_built_before(int64_t cutoff);

 private:
  ::sqlite3* db_ = nullptr;
};


}  // namespace cratecache
