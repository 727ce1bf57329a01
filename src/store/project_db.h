#pragma once
// Project records: for each project built through cratecache, what rebuilding its dependencies
// needs — the manifest's dependency tables, Cargo.lock, toolchain, target, profile, when it was
// last built — and never its code. Kept in SQLite in the store (layout.h); `cratecache warm`
// replays them for a new toolchain.
#include <cstdint>
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
  std::string target;         // triple, empty for the host
  std::string profile;        // "dev", "release", or a custom profile
  int64_t last_built = 0;     // unix seconds
  int64_t builds = 0;
};

// Keeps only what a dependency build needs from a Cargo.toml. Throws on a parse error.
std::string dependency_tables(const std::string& cargo_toml);

class ProjectDb {
 public:
  explicit ProjectDb(const StoreLayout& layout);
  ~ProjectDb();
  ProjectDb(const ProjectDb&) = delete;
  ProjectDb& operator=(const ProjectDb&) = delete;

  void upsert(const ProjectRecord& record);
  std::vector<ProjectRecord> list() const;  // most recently built first

 private:
  ::sqlite3* db_ = nullptr;
};


}  // namespace cratecache
