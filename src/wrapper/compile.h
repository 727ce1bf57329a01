#pragma once
// Wrapper mode: `cratecache /path/to/rustc ARGS...` serves the unit from the store or compiles it
// and stores the result. Every cache fault degrades to running rustc unchanged.
#include <string>
#include <string_view>
#include <vector>

#include "args/rustc_args.h"

namespace cratecache {

// Whether a file of this name (relative to the out-dir) is one a run of this unit stores: what it
// was asked to write, and under split debug info its own .dwo/.dwp files beside them.
bool is_unit_output(const RustcArgs& args, std::string_view name);

int run_wrapper(const std::string& rustc, const std::vector<std::string>& args);

}  // namespace cratecache
