#include "manager/warm_source.h"

#include <ctime>
#include <sstream>
#include <stdexcept>
#include <toml++/toml.h>

#include "util/fs.h"
#include "util/lines.h"

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

std::vector<RecordedBuild> recorded_builds(const ProjectDb& db, const RecordFilter& filter) {
  int64_t since = 0;
  if (filter.used_within_days) {
    since = static_cast<int64_t>(std::time(nullptr)) - int64_t{*filter.used_within_days} * 86400;
  }
  return db.distinct_builds(since, filter.top);
}

WarmSource load_recorded(const ProjectDb& db, const RecordedBuild& build) {
  return {build.label, db.text(build.dependencies_digest), db.text(build.lockfile_digest), build.profile, build.target, {}};
}

void write_stub_project(const std::string& dir, const WarmSource& source) {
  make_dirs(dir + "/src");
  write_file_atomic(dir + "/Cargo.toml", source.dependencies);
  if (!source.lockfile.empty()) write_file_atomic(dir + "/Cargo.lock", source.lockfile);
  write_file_atomic(dir + "/src/lib.rs", "");
}

void LockedPackages::add(std::string_view lockfile) {
  // Cargo writes a lockfile one key to a line: scanned, not parsed (toml++ takes milliseconds for
  // one of 500 packages, and warm may have thousands). An odd lockfile only makes the estimate off.
  std::string_view name, version;
  bool from_source = false;  // the project's own packages have no `source`
  auto end_package = [&] {
    if (from_source && !name.empty()) packages_.insert(std::string(name) + " " + std::string(version));
    name = version = {};
    from_source = false;
  };
  auto quoted = [](std::string_view line, std::string_view key) -> std::optional<std::string_view> {
    if (!line.starts_with(key) || line.size() < key.size() + 1 || line.back() != '"') return std::nullopt;
    return line.substr(key.size(), line.size() - key.size() - 1);
  };
  bool in_package = false;
  for_each_line(lockfile, [&](std::string_view line) {
    if (line.starts_with("[")) {
      end_package();
      in_package = line == "[[package]]";
    } else if (!in_package) {
      return;
    } else if (auto v = quoted(line, "name = \"")) {
      name = *v;
    } else if (auto v = quoted(line, "version = \"")) {
      version = *v;
    } else if (line.starts_with("source = \"")) {
      from_source = true;
    }
  });
  end_package();
}

}  // namespace cratecache
