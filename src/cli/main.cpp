// Entry point: `cratecache RUSTC ARGS...` is wrapper mode; `cratecache <subcommand>` is the CLI.
// Installed as `cargo-cratecache`, Cargo calls it as `cargo-cratecache cratecache <subcommand>`.
#include <string>
#include <vector>

#include "cli/commands.h"
#include "util/fs.h"
#include "wrapper/compile.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (cratecache::basename_of(argv[0]) == "cargo-cratecache" && !args.empty() && args[0] == "cratecache") {
    args.erase(args.begin());
  }
  if (!args.empty() && !cratecache::is_subcommand(args[0])) {
    std::string rustc = args[0];
    args.erase(args.begin());
    return cratecache::run_wrapper(rustc, args);
  }
  return cratecache::run_cli(args);
}
