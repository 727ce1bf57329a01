#include "buildscript/link_search.h"

#include <array>
#include <filesystem>
#include <vector>

#include "entry/entry.h"
#include "util/lines.h"

namespace cratecache {
namespace {

constexpr std::array<std::string_view, 5> kSystemLibraryDirs = {"/usr/lib", "/usr/lib64", "/lib", "/lib64",
                                                               "/usr/local/lib"};
constexpr std::array<std::string_view, 5> kSearchKinds = {"dependency", "crate", "native", "framework", "all"};

// rustc's `-L [KIND=]PATH`: a prefix that is not a known kind is part of the path.
std::string_view without_kind(std::string_view value) {
  auto eq = value.find('=');
  if (eq == std::string_view::npos) return value;
  for (auto kind : kSearchKinds) {
    if (value.substr(0, eq) == kind) return value.substr(eq + 1);
  }
  return value;
}

// The values of `rustc-link-search` and of the -L options in `rustc-flags`.
std::vector<std::string_view> search_paths(std::string_view text) {
  std::vector<std::string_view> paths;
  for_each_line(text, [&](std::string_view line) {
    if (line.starts_with("cargo::")) {
      line.remove_prefix(7);
    } else if (line.starts_with("cargo:")) {
      line.remove_prefix(6);
    } else {
      return;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos) return;
    std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "rustc-link-search") paths.push_back(without_kind(value));
    if (key != "rustc-flags") return;
    bool next_is_path = false;  // "-L PATH" as two words
    size_t pos = 0;
    while (pos < value.size()) {
      size_t start = value.find_first_not_of(" \t", pos);
      if (start == std::string_view::npos) break;
      size_t end = value.find_first_of(" \t", start);
      if (end == std::string_view::npos) end = value.size();
      std::string_view word = value.substr(start, end - start);
      if (next_is_path) {
        paths.push_back(without_kind(word));
        next_is_path = false;
      } else if (word == "-L") {
        next_is_path = true;
      } else if (word.starts_with("-L")) {
        paths.push_back(without_kind(word.substr(2)));
      }
      pos = end;
    }
  });
  return paths;
}

bool is_within(const std::filesystem::path& path, const std::string& dir) {
  if (dir.empty()) return false;
  auto base = std::filesystem::path(dir).lexically_normal();
  auto rel = path.lexically_relative(base);
  return !rel.empty() && *rel.begin() != "..";
}

bool allowed(std::string_view value, const std::string& package_dir, const std::string& out_dir) {
  std::filesystem::path path(value);
  if (path.empty()) return true;
  if (path.is_relative()) {
    for (const auto& part : path) {
      if (part == "..") return false;
    }
    return true;
  }
  path = path.lexically_normal();
  if (is_within(path, package_dir) || is_within(path, out_dir)) return true;
  for (auto dir : kSystemLibraryDirs) {
    if (is_within(path, std::string(dir))) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> link_search_outside(std::string_view stdout_text, const std::string& package_dir,
                                               const std::string& out_dir) {
  for (auto path : search_paths(stdout_text)) {
    if (!allowed(path, package_dir, out_dir)) return std::string(path);
  }
  return std::nullopt;
}

void check_replayed_link_search(std::string_view replayed_stdout, const std::string& package_dir,
                                const std::string& out_dir) {
  if (auto path = link_search_outside(replayed_stdout, package_dir, out_dir)) {
    throw CorruptEntry("replayed output adds a link search path outside the package: " + *path);
  }
}

}  // namespace cratecache
