// Entry point: `cratecache RUSTC ARGS...` is wrapper mode; `cratecache <subcommand>` is the CLI.
// Installed as `cargo-cratecache`, Cargo calls it as `cargo-cratecache cratecache <subcommand>`.
#include <openssl/crypto.h>

#include <string>
#include <vector>

#include "buildscript/run.h"
#include "cli/commands.h"
#include "util/fs.h"
#include "util/process.h"
#include "wrapper/compile.h"

int main(int argc, char** argv) {
  // Every wrapper call starts here: skip reading openssl.cnf, which only costs time for digests.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (cratecache::basename_of(argv[0]) == "cargo-cratecache" && !args.empty() && args[0] == "cratecache") {
    args.erase(args.begin());
  }
  // Hidden: the launcher cratecache puts in place of a cached package's build-script binary.
  if (args.size() >= 2 && args[0] == "build-script-run") {
    return cratecache::run_build_script(args[1], std::vector<std::string>(args.begin() + 2, args.end()));
  }
  // Hidden: how warm starts a build as its build user (util/process.h).
  if (!args.empty() && args[0] == cratecache::kRunAs) {
    return cratecache::exec_as_user(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (!args.empty() && !cratecache::is_subcommand(args[0])) {
    std::string rustc = args[0];
    args.erase(args.begin());
    return cratecache::run_wrapper(rustc, args);
  }
  return cratecache::run_cli(args);
}
