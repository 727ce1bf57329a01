#pragma once
// The process environment, for keys: a lookup function and the list of variable names.
#include <functional>
#include <string>
#include <vector>

namespace cratecache {

// getenv, or a fake one in tests.
using EnvLookup = std::function<const char*(const char*)>;

const char* getenv_fn(const char* name);
std::vector<std::string> environment_names();

}  // namespace cratecache
