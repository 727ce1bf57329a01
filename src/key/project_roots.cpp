#include "key/project_roots.h"

#include <algorithm>

#include "util/fs.h"

namespace cratecache {
namespace {

std::string join_abs(const std::string& cwd, const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  return cwd + "/" + path;
}

std::string without_trailing_slash(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

bool is_hex(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// <pkg>-<META>, a unit's directory in the old layout. The new layout's <META> alone has no '-',
// so a package named `build` cannot make one layout look like the other.
bool is_old_unit_dir(const std::string& name) {
  auto dash = name.rfind('-');
  return dash != std::string::npos && dash > 0 && is_hex(name.substr(dash + 1));
}

// Cargo names the directory of an explicit --target after the target's short name: the triple,
// or the file stem of a JSON spec.
std::string target_short_name(const RustcArgs& args) {
  for (const auto& o : args.options) {
    if (o.flag != "--target") continue;
    std::string name = basename_of(o.value);
    return name.ends_with(".json") ? name.substr(0, name.size() - 5) : o.value;
  }
  return "";
}

// Is `profile_dir` one of `build_dir`'s: <build-dir>/<profile> (host units) or, for a build with
// an explicit target, <build-dir>/<target>/<profile>?
bool in_build_dir(const std::string& profile_dir, const std::string& build_dir, const std::string& target) {
  std::string above = dirname_of(profile_dir);
  return above == build_dir || (!target.empty() && basename_of(above) == target && dirname_of(above) == build_dir);
}

// Every directory of Cargo's layout that a call names (its own out-dir, the out-dirs of its
// dependencies, its OUT_DIR) must lie in the same build dir; a directory of another shape (a
// `-L` from RUSTFLAGS) is no evidence either way and keeps its absolute path.
bool agrees(const std::string& dir, const std::string& build_dir, const std::string& target) {
  auto profile = cargo_profile_dir(dir);
  return !profile || in_build_dir(*profile, build_dir, target);
}

// The build dir of a rustc call: above its --out-dir, checked against every other Cargo path.
std::string rustc_build_dir(const RustcArgs& args, const std::string& cwd, const EnvLookup& env) {
  auto profile = cargo_profile_dir(join_abs(cwd, args.out_dir));
  if (!profile) return "";
  std::string target = target_short_name(args);
  std::string above = dirname_of(*profile);
  // A unit built for --target is always under the target's directory, a host unit never.
  std::string build_dir = target.empty() ? above : (basename_of(above) == target ? dirname_of(above) : "");
  if (build_dir.size() <= 1) return "";
  for (const auto& l : args.lib_paths) {
    if (l.kind == "dependency" && !agrees(join_abs(cwd, l.path), build_dir, target)) return "";
  }
  for (const auto& e : args.externs) {
    if (!e.path.empty() && !agrees(dirname_of(join_abs(cwd, e.path)), build_dir, target)) return "";
  }
  const char* out_dir = env("OUT_DIR");
  if (out_dir && *out_dir && !agrees(out_dir, build_dir, target)) return "";
  return build_dir;
}

// The build dir of a build-script run: above the script binary, a host unit (so never under a
// target's directory, whatever --target was), checked against OUT_DIR (the run's own unit, which
// is under the target's directory when the script runs for --target; Cargo passes its short name
// as TARGET).
std::string run_build_dir(const std::string& script, const std::string& out_dir, const EnvLookup& env) {
  auto script_profile = cargo_profile_dir(dirname_of(script));
  auto run_profile = cargo_profile_dir(out_dir);
  if (!script_profile || !run_profile) return "";
  std::string build_dir = dirname_of(*script_profile);
  const char* target = env("TARGET");
  if (build_dir.size() <= 1 || !in_build_dir(*run_profile, build_dir, target ? target : "")) return "";
  return build_dir;
}

// The workspace root of a package that is not a path package of the workspace (a vendored
// package, another directory source): the nearest directory at or above the package holding a
// Cargo.lock beside a Cargo.toml. Cargo writes the lock file at the root before it compiles; a
// lock file of the package's own (published with it) makes the package its own root, which is
// tighter, never looser. Registry packages under CARGO_HOME belong to no project.
std::string workspace_root_above(const std::string& package_dir, const std::string& cargo_home) {
  if (package_dir.empty() || package_dir[0] != '/' || package_dir.starts_with(cargo_home + "/")) return "";
  for (std::string dir = without_trailing_slash(package_dir); dir.size() > 1; dir = dirname_of(dir)) {
    if (stat_file(dir + "/Cargo.lock") && stat_file(dir + "/Cargo.toml")) return dir;
  }
  return "";
}

std::string cargo_home_of(const EnvLookup& env) {
  const char* cargo_home = env("CARGO_HOME");
  return without_trailing_slash(cargo_home && *cargo_home ? std::string(cargo_home) : home_dir() + "/.cargo");
}

}  // namespace

std::optional<std::string> cargo_profile_dir(const std::string& path) {
  std::string dir = without_trailing_slash(path);
  std::string base = basename_of(dir);
  if (base == "deps" || base == "examples") return dirname_of(dir);
  if (base == "out") {
    std::string unit = dirname_of(dir);
    std::string build = dirname_of(dirname_of(unit));
    if (is_hex(basename_of(unit)) && basename_of(build) == "build") return dirname_of(build);
    dir = unit;
    base = basename_of(dir);
  }
  if (is_old_unit_dir(base) && basename_of(dirname_of(dir)) == "build") return dirname_of(dirname_of(dir));
  return std::nullopt;
}

ProjectRoots find_project_roots(const RustcArgs& args, const std::string& cwd, const EnvLookup& env) {
  ProjectRoots roots;
  roots.cargo_home = cargo_home_of(env);
  roots.target_dir = rustc_build_dir(args, cwd, env);
  // Cargo names a path package's sources relative to the workspace root and runs rustc there.
  bool path_package = !args.input.empty() && args.input[0] != '/';
  roots.project_dir = path_package ? cwd : workspace_root_above(cwd, roots.cargo_home);
  return roots;
}

ProjectRoots find_script_run_roots(const std::string& script, const std::string& out_dir,
                                   const std::string& manifest_dir, const EnvLookup& env) {
  ProjectRoots roots;
  roots.cargo_home = cargo_home_of(env);
  roots.target_dir = run_build_dir(script, out_dir, env);
  roots.project_dir = workspace_root_above(manifest_dir, roots.cargo_home);
  return roots;
}

PathNormaliser make_normaliser(const ProjectRoots& roots) {
  PathNormaliser n;
  if (!roots.target_dir.empty()) n.add_root(roots.target_dir, "TARGET");
  if (!roots.project_dir.empty()) n.add_root(roots.project_dir, "PROJECT");
  n.add_root(roots.cargo_home, "CARGO_HOME");
  return n;
}

namespace {

// Whether `relative` stays beneath its start when read component by component.
bool stays_beneath(std::string_view relative) {
  size_t depth = 0, start = 0;
  while (start <= relative.size()) {
    size_t slash = relative.find('/', start);
    if (slash == std::string_view::npos) slash = relative.size();
    std::string_view name = relative.substr(start, slash - start);
    if (name == "..") {
      if (depth == 0) return false;
      --depth;
    } else if (!name.empty() && name != ".") {
      ++depth;
    }
    start = slash + 1;
  }
  return true;
}

}  // namespace

InputRoots::InputRoots(const std::string& base, const std::vector<std::string>& dirs)
    : base_(without_trailing_slash(base)) {
  for (const auto& d : dirs) {
    std::string dir = without_trailing_slash(d);
    // "/" would let a manifest name anything.
    if (dir.size() > 1 && dir[0] == '/' && std::find(dirs_.begin(), dirs_.end(), dir) == dirs_.end()) {
      dirs_.push_back(std::move(dir));
    }
  }
  if (base_.size() > 1 && base_[0] == '/' && std::find(dirs_.begin(), dirs_.end(), base_) == dirs_.end()) {
    dirs_.push_back(base_);
  }
  std::stable_sort(dirs_.begin(), dirs_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::vector<InputRoots::Beneath> InputRoots::locate(const std::string& path) const {
  std::string absolute = path.empty() || path[0] == '/' ? path : base_ + "/" + path;
  std::vector<Beneath> found;
  for (const auto& dir : dirs_) {
    if (!absolute.starts_with(dir) || (absolute.size() > dir.size() && absolute[dir.size()] != '/')) continue;
    std::string rest = absolute.size() > dir.size() ? absolute.substr(dir.size() + 1) : "";
    if (stays_beneath(rest)) found.push_back({dir, std::move(rest)});
  }
  std::string name = basename_of(absolute);
  if (name != "." && name != ".." && !name.empty() &&
      std::find(program_dirs_.begin(), program_dirs_.end(), dirname_of(absolute)) != program_dirs_.end()) {
    found.push_back({dirname_of(absolute), name});
  }
  return found;
}

void InputRoots::add_program_dirs(std::string_view path_value) {
  size_t start = 0;
  while (start <= path_value.size()) {
    size_t colon = path_value.find(':', start);
    if (colon == std::string_view::npos) colon = path_value.size();
    std::string dir = without_trailing_slash(std::string(path_value.substr(start, colon - start)));
    // A relative entry ("", ".") depends on the working directory: not one of these.
    if (dir.size() > 1 && dir[0] == '/') program_dirs_.push_back(std::move(dir));
    start = colon + 1;
  }
}

InputRoots input_roots_of(const ProjectRoots& roots, const std::string& base, std::vector<std::string> more) {
  more.push_back(roots.target_dir);
  more.push_back(roots.project_dir);
  more.push_back(roots.cargo_home + "/registry/src");
  more.push_back(roots.cargo_home + "/git/checkouts");
  return InputRoots(base, more);
}

}  // namespace cratecache
