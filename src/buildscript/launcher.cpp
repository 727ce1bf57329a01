#include "buildscript/launcher.h"

#include <unistd.h>

#include <cstdio>
#include <stdexcept>

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

std::string own_executable_path() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("cannot find the cratecache executable");
  return std::string(buf, static_cast<size_t>(n));
}

void install_launcher(const std::string& binary, const std::string& cratecache_exe) {
  std::string real = binary + kRealScriptSuffix;
  if (::rename(binary.c_str(), real.c_str()) != 0) throw std::runtime_error("cannot move " + binary);
  // Cargo runs a hard link of this file (build-script-build) from the same directory, so the real
  // binary is found relative to $0; without cratecache the script still runs, uncached.
  std::string script =
      "#!/bin/sh\n"
      "# cratecache launcher: runs this build script through the cache (docs/build-scripts.md).\n"
      "real=\"${0%/*}/" + basename_of(binary) + kRealScriptSuffix + "\"\n"
      "cratecache=" + shell_quote(cratecache_exe) + "\n"
      "[ -x \"$cratecache\" ] && exec \"$cratecache\" build-script-run \"$real\" \"$@\"\n"
      "exec \"$real\" \"$@\"\n";
  write_file_replacing(binary, script, 0755);
}

}  // namespace cratecache
