#pragma once
// What `cratecache warm` builds: the dependency tables and lockfile of a recorded project, or of
// an entry in an operator's manifest, each turned into a stub project with no code of its own.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "store/project_db.h"

namespace cratecache {

struct WarmSource {
  std::string label;         // shown in progress and failure reports
  std::string dependencies;  // TOML from dependency_tables()
  std::string lockfile;      // may be empty: Cargo resolves (offline, from its configured sources)
  std::string profile;       // from the record; may be overridden
  std::string target;
  // What was left out because warm builds registry packages only, each with its reason.
  std::vector<std::string> dropped;
};

// Warm runs no code but registry packages': a project's own path and git dependencies, other
// registries, [patch] and [replace] (which may point anywhere) are left out of its stub, each named
// in `dropped`. A source for a custom target spec (a file of the project's) gets no stub: nullopt.
std::optional<WarmSource> registry_packages_only(WarmSource source);

// Operator manifest (TOML):
//   [[project]]  manifest = "path/Cargo.toml"   lockfile = "path/Cargo.lock" (optional)
//                profile = "release" (optional)
//   [[crate]]    name = "serde"  version = "1.0.152"  features = ["derive"]  (optional)
// All [[crate]] entries form one stub project. Relative paths are relative to the manifest file.
// Throws std::runtime_error with the file and the problem.
std::vector<WarmSource> read_warm_manifest(const std::string& path);

struct RecordFilter {
  std::optional<int> used_within_days;
  std::optional<size_t> top;  // the N most built
};

// The records `filter` chooses, one per distinct (dependencies, lockfile, profile, target):
// records of several toolchains for one project build the same units on the new one. Chosen in
// SQL; no text is loaded.
std::vector<RecordedBuild> recorded_builds(const ProjectDb& db, const RecordFilter& filter);
// A recorded build's source, with its texts.
WarmSource load_recorded(const ProjectDb& db, const RecordedBuild& build);

// Writes <dir>/Cargo.toml, Cargo.lock and an empty src/lib.rs.
void write_stub_project(const std::string& dir, const WarmSource& source);

// The distinct packages from a source (not a project's own) across lockfiles: an estimate of
// the units to build. Lockfiles are added one at a time; only the packages' names are kept.
class LockedPackages {
 public:
  void add(std::string_view lockfile);
  size_t count() const { return packages_.size(); }

 private:
  std::set<std::string> packages_;
};

}  // namespace cratecache
