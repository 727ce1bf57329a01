#pragma once
// Finds the absolute paths that differ between two projects (or users) building the same unit:
// Cargo's build dir, the workspace root, CARGO_HOME. They become placeholders in keys and entries.
// A root is taken only where Cargo's invocation proves it (docs/key.md, "Roots"); a root that
// cannot be proven is left out, so its paths stay absolute (a miss, never a wrong hit).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "args/rustc_args.h"
#include "util/env.h"
#include "key/path_normaliser.h"

namespace cratecache {

struct ProjectRoots {
  std::string target_dir;   // Cargo's build dir, e.g. /work/app/target (empty when not proven)
  std::string project_dir;  // the workspace root, e.g. /work/app (empty when not proven)
  std::string cargo_home;
};

// The profile dir (<build-dir>/[<target>/]<profile>) above a directory Cargo gives rustc or a
// build script, in either layout: <profile>/deps, <profile>/examples, <profile>/build/<pkg>-<META>[/out]
// (old), <profile>/build/<pkg>/<META>/out (new). Empty when `dir` has neither shape.
std::optional<std::string> cargo_profile_dir(const std::string& dir);

// `cwd` is rustc's working directory; `env` looks up the process environment.
ProjectRoots find_project_roots(const RustcArgs& args, const std::string& cwd, const EnvLookup& env);
// For a build-script run: the script binary's path, OUT_DIR and CARGO_MANIFEST_DIR (TARGET comes
// from `env`).
ProjectRoots find_script_run_roots(const std::string& script, const std::string& out_dir,
                                   const std::string& manifest_dir, const EnvLookup& env);
PathNormaliser make_normaliser(const ProjectRoots& roots);

// The directories a job's inputs may lie in (its normaliser's roots, its package dir, the
// sysroot): an input named by a manifest that anyone may have written is looked at only beneath
// one of them (Manifest::confine).
class InputRoots {
 public:
  // `base` is what a relative path is relative to (rustc's working directory), itself a root.
  InputRoots(const std::string& base, const std::vector<std::string>& dirs);

  struct Beneath {
    std::string root;
    std::string relative;  // the rest of the path, as written (it may hold `..`)
  };
  // The roots `path` starts with, component by component, innermost first, each with the rest of
  // the path; only those whose rest never climbs above the root (`..`). Empty when under none.
  // Then a directory of `program_dirs` that holds `path` itself (a bare name in it, no deeper).
  std::vector<Beneath> locate(const std::string& path) const;

  // The directories of a PATH value: a program looked up there (found or not, by a build script) is
  // an input, so their entries may be looked at, their subdirectories not.
  void add_program_dirs(std::string_view path_value);

 private:
  std::string base_;
  std::vector<std::string> dirs_;  // absolute, no trailing slash, longest first
  std::vector<std::string> program_dirs_;
};

// A unit's input roots: the build dir and the workspace root (when proven), the package sources
// under CARGO_HOME (registry/src, git/checkouts: not the rest of it, which holds credentials), and
// `more` (the package dir, OUT_DIR, the sysroot).
InputRoots input_roots_of(const ProjectRoots& roots, const std::string& base, std::vector<std::string> more);

}  // namespace cratecache
