#include "wrapper/split_debuginfo.h"

#include <filesystem>

namespace cratecache {

bool is_unit_debuginfo(std::string_view name, const std::string& stem) {
  if (!name.ends_with(".dwo") && !name.ends_with(".dwp")) return false;
  return name.starts_with(stem + ".") || name.starts_with("lib" + stem + ".");
}

SplitDebuginfoFiles::SplitDebuginfoFiles(std::string out_dir, std::string stem)
    : out_dir_(std::move(out_dir)), stem_(std::move(stem)), before_(candidates()) {}

std::map<std::string, FileStat> SplitDebuginfoFiles::candidates() const {
  std::map<std::string, FileStat> found;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(out_dir_, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!is_unit_debuginfo(name, stem_)) continue;
    if (auto st = stat_file(out_dir_ + "/" + name)) found.emplace(name, *st);
  }
  return found;
}

std::vector<std::string> SplitDebuginfoFiles::written() const {
  std::vector<std::string> names;
  for (const auto& [name, st] : candidates()) {
    auto old = before_.find(name);
    if (old == before_.end() || !(old->second == st)) names.push_back(name);
  }
  return names;
}

}  // namespace cratecache
