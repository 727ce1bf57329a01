#pragma once
// The process environment, for keys: a lookup function and the list of variable names.
#include <string>
#include <vector>

namespace cratecache {

const char* getenv_fn(const char* name);
std::vector<std::string> environment_names();

}  // namespace cratecache
