#include "key/project_roots.h"

#include <algorithm>

#include "util/fs.h"

namespace cratecache {
namespace {

std::string join_abs(const std::string& cwd, const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  return cwd + "/" + path;
}

// Cargo lays out <target>/[<triple>/]<profile>/{deps,build/<unit>,examples}.
std::string profile_dir_of(const std::string& out_dir) {
  std::string base = basename_of(out_dir);
  std::string parent = dirname_of(out_dir);
  if (base == "deps" || base == "examples") return parent;
  if (basename_of(parent) == "build") return dirname_of(parent);
  return "";
}

bool looks_like_target_triple(const std::string& name) {
  return std::count(name.begin(), name.end(), '-') >= 2;
}

}  // namespace

ProjectRoots find_project_roots(const RustcArgs& args, const std::string& cwd, const Config::EnvLookup& env) {
  ProjectRoots roots;
  std::string profile_dir = profile_dir_of(join_abs(cwd, args.out_dir));
  if (!profile_dir.empty()) {
    std::string target = dirname_of(profile_dir);
    if (looks_like_target_triple(basename_of(target))) target = dirname_of(target);
    roots.target_dir = target;
    if (basename_of(target) == "target") roots.project_dir = dirname_of(target);
  }
  // A workspace member runs with the workspace root as its working directory.
  if (!args.has_cap_lints && roots.project_dir.empty()) roots.project_dir = cwd;
  const char* cargo_home = env("CARGO_HOME");
  roots.cargo_home = cargo_home && *cargo_home ? std::string(cargo_home) : home_dir() + "/.cargo";
  return roots;
}

PathNormaliser make_normaliser(const ProjectRoots& roots) {
  PathNormaliser n;
  if (!roots.target_dir.empty()) n.add_root(roots.target_dir, "TARGET");
  if (!roots.project_dir.empty()) n.add_root(roots.project_dir, "PROJECT");
  n.add_root(roots.cargo_home, "CARGO_HOME");
  return n;
}

}  // namespace cratecache
