#pragma once
// The variables of a build script's environment that enter its run's key: what Cargo sets for it,
// and what the C/C++ toolchain and pkg-config read from the user's environment.
#include <string>

namespace cratecache {

bool is_keyed_build_env_var(const std::string& name);

}  // namespace cratecache
