#include "buildscript/run_key.h"

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "buildscript/package_checksum.h"
#include "key/build_env.h"
#include "key/content_digest.h"
#include "key/key_inputs.h"
#include "util/fs.h"
#include "util/process.h"

namespace cratecache {
namespace {

std::string tool_digest(const std::string& name, StatCache& digests) {
  auto path = find_in_path(name);
  if (!path) return "missing";
  char resolved[PATH_MAX];
  return digests.digest(::realpath(path->c_str(), resolved) ? resolved : *path);
}

}  // namespace

std::string compute_run_key(const RunKeyContext& ctx, KeyInputs* record) {
  KeyHasher h(record);
  h.field("cratecache-run-key-v2");
  h.input("script binary", "", ctx.script_digest);
  h.input("package dir", "", ctx.normaliser.normalise(ctx.manifest_dir));

  std::vector<std::string> names;
  for (const auto& n : ctx.env_names) {
    if (is_keyed_build_env_var(n)) names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  bool for_host_cpu = false;
  for (const auto& n : names) {
    const char* v = ctx.env(n.c_str());
    h.field(n);
    h.input("env", n, ctx.normaliser.normalise(v ? v : ""));
    for_host_cpu = for_host_cpu || (v && names_host_cpu(v));
  }
  if (for_host_cpu) {
    h.field("host-cpu");
    h.input("host cpu", "", ctx.host_cpu());
  }

  // The rustc the script may probe (version checks, autocfg), by identity rather than path.
  h.field("rustc");
  h.input("rustc", "", ctx.rustc_identity);

  const char* cc = ctx.env("CC");
  for (const std::string& tool : {std::string(cc && *cc ? cc : "cc"), std::string("c++"), std::string("ar"),
                                 std::string("pkg-config")}) {
    h.field(tool);
    h.input("tool", tool, tool_digest(tool, ctx.digests));
  }

  // A package proven immutable is named by its checksum file, which holds the digest of every file
  // Cargo verifies. Otherwise by its manifest; the files the run depends on are then second-level
  // inputs (rerun-if-changed files, traced reads, or the whole tree without directives).
  auto checksum = proven_package_checksum(ctx.manifest_dir);
  h.field("package");
  h.input("package", "", content_digest(checksum ? checksum->file : ctx.manifest_dir + "/Cargo.toml"));

  // What the libraries the script links read when it runs, as their own scripts declared it.
  // Absent from the key when empty, so runs without such inputs keep their keys.
  if (!ctx.declared_closure.empty()) {
    h.field("declared-closure");
    h.input("declared closure", "", ctx.declared_closure);
  }
  return h.hex_final();
}

}  // namespace cratecache
