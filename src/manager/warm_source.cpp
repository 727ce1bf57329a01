#include "manager/warm_source.h"

#include <algorithm>
#include <ctime>
#include <set>
#include <sstream>
#include <stdexcept>
#include <toml++/toml.h>

#include "util/fs.h"

namespace cratecache {
namespace {

std::string resolve(const std::string& base_dir, const std::string& path) {
  return !path.empty() && path[0] == '/' ? path : base_dir + "/" + path;
}

WarmSource crates_source(const toml::array& crates, const std::string& path) {
  toml::table deps;
  for (const auto& node : crates) {
    const toml::table* c = node.as_table();
    auto name = c ? (*c)["name"].value<std::string>() : std::nullopt;
    auto version = c ? (*c)["version"].value<std::string>() : std::nullopt;
    if (!name || !version) throw std::runtime_error(path + ": every [[crate]] needs name and version");
    toml::table dep{{"version", "=" + *version}};
    if (auto* features = (*c)["features"].as_array()) dep.insert("features", *features);
    if (auto df = (*c)["default-features"].value<bool>()) dep.insert("default-features", *df);
    deps.insert(*name, dep);
  }
  toml::table doc{{"package", toml::table{{"name", "cratecache-warm-crates"}, {"version", "0.0.0"},
                                          {"edition", "2021"}}},
                  {"dependencies", deps}};
  std::ostringstream s;
  s << doc << "\n";
  return {path + " [[crate]]", s.str(), "", "dev", "", {}};
}

// A dependency anything but a registry crate of the default registry would build.
std::optional<std::string> foreign_source(const toml::node& dep) {
  const toml::table* t = dep.as_table();
  if (!t) return std::nullopt;  // "1.0": a registry version
  for (const char* key : {"path", "git", "registry", "registry-index"}) {
    if (t->contains(key)) return key;
  }
  if (t->contains("workspace")) return "workspace";  // resolved from a workspace the stub does not have
  return std::nullopt;
}

void drop_foreign(toml::table& deps, const std::string& where, std::vector<std::string>& dropped) {
  std::vector<std::string> names;
  for (const auto& [name, dep] : deps) {
    auto why = foreign_source(dep);
    if (!why) continue;
    names.emplace_back(name.str());
    dropped.push_back(where + " " + names.back() + " (" + *why + ")");
  }
  for (const auto& name : names) deps.erase(name);
}

}  // namespace

std::optional<WarmSource> registry_packages_only(WarmSource source) {
  if (source.target.ends_with(".json") || source.target.find('/') != std::string::npos) return std::nullopt;
  toml::table doc;
  try {
    doc = toml::parse(source.dependencies);
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
  for (const char* table : {"patch", "replace"}) {
    if (doc.contains(table)) {
      doc.erase(table);
      source.dropped.push_back(std::string("[") + table + "]");
    }
  }
  for (const char* kind : {"dependencies", "build-dependencies"}) {
    if (auto* deps = doc[kind].as_table()) drop_foreign(*deps, kind, source.dropped);
  }
  if (auto* targets = doc["target"].as_table()) {
    for (auto& [cfg, node] : *targets) {
      for (const char* kind : {"dependencies", "build-dependencies"}) {
        if (auto* deps = node.as_table() ? (*node.as_table())[kind].as_table() : nullptr) {
          drop_foreign(*deps, "target." + std::string(cfg.str()) + "." + kind, source.dropped);
        }
      }
    }
  }
  std::ostringstream s;
  s << doc << "\n";
  source.dependencies = s.str();
  return source;
}

std::vector<WarmSource> read_warm_manifest(const std::string& path) {
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(path + ": " + std::string(e.description()));
  }
  std::string base = dirname_of(absolute_path(path));
  std::vector<WarmSource> out;
  if (auto* projects = doc["project"].as_array()) {
    for (const auto& node : *projects) {
      const toml::table* p = node.as_table();
      auto manifest = p ? (*p)["manifest"].value<std::string>() : std::nullopt;
      if (!manifest) throw std::runtime_error(path + ": every [[project]] needs manifest = \"...\"");
      std::string manifest_path = resolve(base, *manifest);
      WarmSource s;
      s.label = manifest_path;
      s.dependencies = dependency_tables(read_file(manifest_path));
      std::string lock = (*p)["lockfile"].value<std::string>().value_or(dirname_of(manifest_path) + "/Cargo.lock");
      s.lockfile = try_read_file(resolve(base, lock)).value_or("");
      s.profile = (*p)["profile"].value<std::string>().value_or("dev");
      s.target = (*p)["target"].value<std::string>().value_or("");
      out.push_back(std::move(s));
    }
  }
  if (auto* crates = doc["crate"].as_array(); crates && !crates->empty()) out.push_back(crates_source(*crates, path));
  if (out.empty()) throw std::runtime_error(path + ": no [[project]] or [[crate]] entries");
  return out;
}

std::vector<WarmSource> sources_from_records(std::vector<ProjectRecord> records, const RecordFilter& filter) {
  if (filter.used_within_days) {
    int64_t cutoff = static_cast<int64_t>(std::time(nullptr)) - int64_t{*filter.used_within_days} * 86400;
    std::erase_if(records, [&](const ProjectRecord& r) { return r.last_built < cutoff; });
  }
  if (filter.top) {
    std::stable_sort(records.begin(), records.end(),
                     [](const ProjectRecord& a, const ProjectRecord& b) { return a.builds > b.builds; });
    if (records.size() > *filter.top) records.resize(*filter.top);
  }
  // One stub per distinct (dependencies, lockfile, profile, target): records of several
  // toolchains for one project build the same units on the new one.
  std::set<std::string> seen;
  std::vector<WarmSource> out;
  for (const auto& r : records) {
    if (!seen.insert(r.dependencies + '\0' + r.lockfile + '\0' + r.profile + '\0' + r.target).second) continue;
    out.push_back({r.manifest_path, r.dependencies, r.lockfile, r.profile, r.target, {}});
  }
  return out;
}

void write_stub_project(const std::string& dir, const WarmSource& source) {
  make_dirs(dir + "/src");
  write_file_atomic(dir + "/Cargo.toml", source.dependencies);
  if (!source.lockfile.empty()) write_file_atomic(dir + "/Cargo.lock", source.lockfile);
  write_file_atomic(dir + "/src/lib.rs", "");
}

size_t count_locked_packages(const std::vector<WarmSource>& sources) {
  std::set<std::string> packages;
  for (const auto& s : sources) {
    try {
      toml::table lock = toml::parse(s.lockfile);
      if (auto* list = lock["package"].as_array()) {
        for (const auto& p : *list) {
          const toml::table* t = p.as_table();
          // Only packages from a source: the project's own package has no `source`.
          if (t && t->contains("source")) {
            packages.insert((*t)["name"].value_or(std::string()) + " " + (*t)["version"].value_or(std::string()));
          }
        }
      }
    } catch (const toml::parse_error&) {
      // An unreadable lockfile only makes the estimate smaller.
    }
  }
  return packages.size();
}

}  // namespace cratecache
