#include "cli/setup_command.h"

#include <fmt/core.h>

#include <cstdlib>
#include <toml++/toml.h>

#include <sstream>

#include "util/fs.h"
#include "util/log.h"

namespace cratecache {

int setup_cargo_config(const std::string& wrapper_path) {
  const char* env_home = std::getenv("CARGO_HOME");
  std::string cargo_home = env_home && *env_home ? env_home : home_dir() + "/.cargo";
  std::string path = cargo_home + "/config.toml";
  toml::table config;
  if (stat_file(path)) {
    try {
      config = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      fmt::print(stderr, "cratecache: error: cannot parse {}: {}\n", path, e.description());
      return 1;
    }
  }
  auto* build = config["build"].as_table();
  if (!build) {
    config.insert_or_assign("build", toml::table{});
    build = config["build"].as_table();
  }
  if (auto current = (*build)["rustc-wrapper"].value<std::string>(); current && *current == wrapper_path) {
    fmt::print("{} already uses {}\n", path, wrapper_path);
    return 0;
  }
  build->insert_or_assign("rustc-wrapper", wrapper_path);
  std::ostringstream out;
  out << config << "\n";
  try {
    write_file_atomic(path, out.str());
  } catch (const std::exception& e) {
    fmt::print(stderr, "cratecache: error: {}\n", e.what());
    return 1;
  }
  fmt::print("{}: build.rustc-wrapper = \"{}\"\n", path, wrapper_path);
  return 0;
}

}  // namespace cratecache
