#pragma once
// Finds the absolute paths that differ between two projects (or users) building the same unit:
// the target dir, the project dir, CARGO_HOME. They become placeholders in keys and entries.
#include <string>

#include "args/rustc_args.h"
#include "config/config.h"
#include "key/path_normaliser.h"

namespace cratecache {

struct ProjectRoots {
  std::string target_dir;   // e.g. /work/app/target (may be empty when out-dir is unusual)
  std::string project_dir;  // e.g. /work/app
  std::string cargo_home;
};

// `cwd` is rustc's working directory; `env` looks up the process environment.
ProjectRoots find_project_roots(const RustcArgs& args, const std::string& cwd, const Config::EnvLookup& env);
PathNormaliser make_normaliser(const ProjectRoots& roots);

}  // namespace cratecache
