#include "job/script_launcher.h"

#include <unistd.h>

#include <cstdio>
#include <stdexcept>

#include "entry/deferred_blob.h"
#include "util/fs.h"

namespace cratecache {
namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

}  // namespace

void install_launcher(const std::string& binary, const std::string& cratecache_exe, bool deferred) {
  std::string real = binary + kRealScriptSuffix;
  // Whichever form the binary takes now, the other one is from an earlier build and must go.
  if (deferred) {
    ::unlink(real.c_str());
  } else {
    if (::rename(binary.c_str(), real.c_str()) != 0) throw std::runtime_error("cannot move " + binary);
    ::unlink((binary + kDeferredEntrySuffix).c_str());
  }
  // Cargo runs this file, or in its old layout a hard link of it (build-script-build) in the same
  // directory, so the real binary is found relative to $0; without cratecache the script still runs, uncached, unless the
  // binary was left in the store.
  std::string script =
      "#!/bin/sh\n"
      "# cratecache launcher: runs this build script through the cache (docs/build-scripts.md).\n"
      "real=\"${0%/*}/" + basename_of(binary) + kRealScriptSuffix + "\"\n"
      "cratecache=" + shell_quote(cratecache_exe) + "\n"
      "[ -x \"$cratecache\" ] && exec \"$cratecache\" build-script-run \"$real\" \"$@\"\n"
      "[ -e \"$real\" ] || { echo \"$0: binary kept in the cratecache store, cratecache missing: cargo clean\" >&2; exit 1; }\n"
      "exec \"$real\" \"$@\"\n";
  write_file_replacing(binary, script, 0755);
}

}  // namespace cratecache
