#include "wrapper/project_build.h"

#include <cstdlib>
#include <ctime>

#include "key/project_roots.h"
#include "key/toolchain.h"
#include "store/project_db.h"
#include "store/request_spool.h"
#include "util/fs.h"
#include "util/log.h"

namespace cratecache {
namespace {

// "debug" is the dev profile's directory; other profiles use their own name.
std::string profile_of(const std::string& out_dir) {
  auto dir = cargo_profile_dir(out_dir);
  if (!dir || basename_of(*dir) == "debug") return "dev";
  return basename_of(*dir);
}

std::string option_value(const RustcArgs& args, const std::string& flag) {
  for (const auto& o : args.options) {
    if (o.flag == flag) return o.value;
  }
  return "";
}

}  // namespace

void record_project_build(const Config& config, const std::string& rustc, const RustcArgs& args) {
  // Once per build: the unit Cargo was asked for, and only its lib/bin (not its build script).
  if (!std::getenv("CARGO_PRIMARY_PACKAGE") || args.unit_kind() == UnitKind::BuildScript) return;
  // CARGO_MANIFEST_PATH is Cargo 1.80's; older ones give the directory only.
  const char* manifest_path = std::getenv("CARGO_MANIFEST_PATH");
  const char* manifest_dir = std::getenv("CARGO_MANIFEST_DIR");
  std::string manifest = manifest_path && *manifest_path ? manifest_path
                         : manifest_dir && *manifest_dir ? std::string(manifest_dir) + "/Cargo.toml"
                                                         : "";
  if (manifest.empty() || args.out_dir.empty()) return;
  // The stub projects of `cratecache warm` (in the published store's warm/, built with it as the
  // shared store) are not projects of anyone's.
  StoreLayout layout(config.dir);
  for (const auto& store : {config.dir, config.shared_store}) {
    if (!store.empty() && manifest.rfind(StoreLayout(store).warm_dir() + "/", 0) == 0) return;
  }
  // A store this build cannot write gets a request instead, if its owner keeps a drop box; so does
  // a shared store.
  std::vector<StoreLayout> request_boxes;
  for (const auto& box : {config.store_read_only() ? config.dir : "", config.shared_store}) {
    if (!box.empty() && stat_file(StoreLayout(box).requests_dir())) request_boxes.emplace_back(box);
  }
  if (config.store_read_only() && request_boxes.empty()) return;
  try {
    ProjectRecord r;
    r.manifest_path = manifest;
    r.dependencies = dependency_tables(read_file(manifest));
    // Cargo runs workspace members from the workspace root, where Cargo.lock lives.
    r.lockfile = try_read_file(absolute_path("Cargo.lock")).value_or("");
    r.rustc = rustc;
    r.target = option_value(args, "--target");
    r.profile = profile_of(absolute_path(args.out_dir));
    r.last_built = static_cast<int64_t>(std::time(nullptr));
    Toolchain toolchain = identify_toolchain(rustc, layout.toolchains_dir());
    r.toolchain = toolchain.release;
    r.toolchain_id = toolchain.short_id();
    // Rewrites nothing but the record's counters when neither text changed (project_db.h).
    if (!config.store_read_only()) ProjectDb(layout, ProjectDb::Migration::kLeaveToManager).upsert(r);
    for (const auto& box : request_boxes) submit_request(box, {r.dependencies, r.lockfile, r.toolchain, r.profile, r.target});
  } catch (const std::exception& e) {
    warn("could not record this project for `cratecache warm`: {}", e.what());
  }
}

}  // namespace cratecache
