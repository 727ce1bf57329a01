#include "cli/commands.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <unistd.h>

#include "cli/setup_command.h"
#include "cli/stats_command.h"
#include "config/config.h"
#include "util/fs.h"

namespace cratecache {
namespace {

std::string own_executable() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "cratecache";
}

constexpr const char* kDescription =
    "cratecache: a shared build cache for Cargo.\n"
    "Use it as Cargo's rustc wrapper:  RUSTC_WRAPPER=cratecache cargo build\n"
    "(or run `cratecache setup` once). Settings: docs/config.md (CRATECACHE_DIR, CRATECACHE_MAX_SIZE, ...).";

}  // namespace

bool is_subcommand(const std::string& word) {
  return word == "stats" || word == "zero-stats" || word == "setup" || word == "help" || word.rfind("-", 0) == 0;
}

int run_cli(const std::vector<std::string>& args) {
  CLI::App app{kDescription, "cratecache"};
  app.set_version_flag("-V,--version", std::string("cratecache ") + CRATECACHE_VERSION);
  app.require_subcommand(1);
  bool as_json = false;
  auto* stats = app.add_subcommand("stats", "Show hits, misses, reasons for not caching and store size");
  stats->add_flag("--json", as_json, "Print machine-readable JSON");
  auto* zero = app.add_subcommand("zero-stats", "Reset the statistics counters");
  auto* setup = app.add_subcommand("setup", "Set build.rustc-wrapper in $CARGO_HOME/config.toml to this binary");
  app.add_subcommand("help", "Show this help")->callback([&] { throw CLI::CallForHelp(); });

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    Config config = Config::load_from_environment();
    if (*stats) return print_stats(config, as_json);
    if (*zero) return zero_stats(config);
    if (*setup) return setup_cargo_config(own_executable());
  } catch (const std::exception& e) {
    fmt::print(stderr, "cratecache: error: {}\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace cratecache
