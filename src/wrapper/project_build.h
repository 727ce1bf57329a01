#pragma once
// The wrapper's side of project records (store/project_db.h): what a workspace member's build
// says about its project.
#include <string>

#include "args/rustc_args.h"
#include "config/config.h"

namespace cratecache {

// Called for each workspace-member unit Cargo was asked to build. Never throws.
void record_project_build(const Config& config, const std::string& rustc, const RustcArgs& args);

}  // namespace cratecache
