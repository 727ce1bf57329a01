#pragma once
#include <string>

namespace cratecache {

// Points Cargo at cratecache: sets build.rustc-wrapper in $CARGO_HOME/config.toml. Idempotent.
int setup_cargo_config(const std::string& wrapper_path);

}  // namespace cratecache
