#pragma once
// Wrapper mode: `cratecache /path/to/rustc ARGS...` serves the unit from the store or compiles it
// and stores the result. Every cache fault degrades to running rustc unchanged.
#include <string>
#include <vector>

namespace cratecache {

int run_wrapper(const std::string& rustc, const std::vector<std::string>& args);

}  // namespace cratecache
