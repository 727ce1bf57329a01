#pragma once
// The user-facing subcommands (`cratecache stats`, `setup`, ...); wrapper mode is elsewhere.
#include <string>
#include <vector>

namespace cratecache {

bool is_subcommand(const std::string& word);
int run_cli(const std::vector<std::string>& args);

}  // namespace cratecache
