#pragma once
// `cratecache build-script-run REAL [ARGS...]`, called by the launcher that Cargo runs: replays a
// stored run (OUT_DIR files, stdout, stderr) or runs the real script and stores what it did.
#include <string>
#include <vector>

namespace cratecache {

int run_build_script(const std::string& real_script, const std::vector<std::string>& args);

}  // namespace cratecache
