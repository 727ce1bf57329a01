#include "manager/project_record.h"

#include <sqlite3.h>

#include <cstdlib>
#include <ctime>
#include <sstream>
#include <stdexcept>
#include <toml++/toml.h>

#include "key/project_roots.h"
#include "key/toolchain.h"
#include "util/fs.h"
#include "util/log.h"

namespace cratecache {
namespace {

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int i, const std::string& v) { sqlite3_bind_text(stmt_, i, v.c_str(), -1, SQLITE_TRANSIENT); }
  void bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(sqlite3_db_handle(stmt_)));
  }
  std::string text(int col) const {
    auto* p = sqlite3_column_text(stmt_, col);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// "debug" is the dev profile's directory; other profiles use their own name.
std::string profile_of(const std::string& out_dir) {
  auto dir = cargo_profile_dir(out_dir);
  if (!dir || basename_of(*dir) == "debug") return "dev";
  return basename_of(*dir);
}

std::string option_value(const RustcArgs& args, const std::string& flag) {
  for (const auto& o : args.options) {
    if (o.flag == flag) return o.value;
  }
  return "";
}

}  // namespace

std::string dependency_tables(const std::string& cargo_toml) {
  toml::table in = toml::parse(cargo_toml);
  toml::table out;
  toml::table package;
  if (auto* p = in["package"].as_table()) {
    for (const char* key : {"name", "version", "edition", "resolver"}) {
      if (auto* node = p->get(key)) package.insert(key, *node);
    }
  }
  out.insert("package", package);
  for (const char* key : {"dependencies", "build-dependencies", "features", "profile", "patch", "replace"}) {
    if (auto* node = in.get(key)) out.insert(key, *node);
  }
  if (auto* targets = in["target"].as_table()) {
    toml::table kept;
    for (const auto& [cfg, node] : *targets) {
      const toml::table* t = node.as_table();
      if (!t) continue;
      toml::table deps;
      for (const char* key : {"dependencies", "build-dependencies"}) {
        if (auto* d = t->get(key)) deps.insert(key, *d);
      }
      if (!deps.empty()) kept.insert(cfg, deps);
    }
    if (!kept.empty()) out.insert("target", kept);
  }
  std::ostringstream s;
  s << out << "\n";
  return s.str();
}

ProjectDb::ProjectDb(const std::string& dir) {
  make_dirs(dir);
  std::string path = dir + "/projects.sqlite";
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    std::string err = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open " + path + ": " + err);
  }
  sqlite3_busy_timeout(db_, 5000);
  const char* schema =
      "PRAGMA journal_mode=WAL;"
      "CREATE TABLE IF NOT EXISTS projects ("
      " manifest_path TEXT, profile TEXT, target TEXT, toolchain TEXT, rustc TEXT,"
      " dependencies TEXT, lockfile TEXT, last_built INTEGER, builds INTEGER,"
      " PRIMARY KEY (manifest_path, profile, target, toolchain));";
  char* err = nullptr;
  if (sqlite3_exec(db_, schema, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    sqlite3_close(db_);
    throw std::runtime_error("cannot initialise " + path + ": " + msg);
  }
}

ProjectDb::~ProjectDb() { sqlite3_close(db_); }

void ProjectDb::upsert(const ProjectRecord& r) {
  Statement s(db_,
              "INSERT INTO projects VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1) "
              "ON CONFLICT (manifest_path, profile, target, toolchain) DO UPDATE SET "
              " rustc = ?5, dependencies = ?6, lockfile = ?7, last_built = ?8, builds = builds + 1");
  s.bind(1, r.manifest_path);
  s.bind(2, r.profile);
  s.bind(3, r.target);
  s.bind(4, r.toolchain);
  s.bind(5, r.rustc);
  s.bind(6, r.dependencies);
  s.bind(7, r.lockfile);
  s.bind(8, r.last_built);
  s.step();
}

std::vector<ProjectRecord> ProjectDb::list() const {
  Statement s(db_,
              "SELECT manifest_path, profile, target, toolchain, rustc, dependencies, lockfile, last_built, builds "
              "FROM projects ORDER BY last_built DESC");
  std::vector<ProjectRecord> out;
  while (s.step()) {
    ProjectRecord r;
    r.manifest_path = s.text(0);
    r.profile = s.text(1);
    r.target = s.text(2);
    r.toolchain = s.text(3);
    r.rustc = s.text(4);
    r.dependencies = s.text(5);
    r.lockfile = s.text(6);
    r.last_built = s.integer(7);
    r.builds = s.integer(8);
    out.push_back(std::move(r));
  }
  return out;
}

void record_project_build(const Config& config, const std::string& rustc, const RustcArgs& args) {
  // Once per build: the unit Cargo was asked for, and only its lib/bin (not its build script).
  if (!std::getenv("CARGO_PRIMARY_PACKAGE") || args.unit_kind() == UnitKind::BuildScript) return;
  const char* manifest = std::getenv("CARGO_MANIFEST_PATH");
  if (!manifest || !*manifest || args.out_dir.empty()) return;
  // The stub projects of `cratecache warm` are not projects of anyone's.
  if (std::string(manifest).rfind(config.dir + "/", 0) == 0) return;
  try {
    ProjectRecord r;
    r.manifest_path = manifest;
    r.dependencies = dependency_tables(read_file(manifest));
    // Cargo runs workspace members from the workspace root, where Cargo.lock lives.
    r.lockfile = try_read_file(absolute_path("Cargo.lock")).value_or("");
    r.rustc = rustc;
    r.toolchain = identify_toolchain(rustc, config.dir).release;
    r.target = option_value(args, "--target");
    r.profile = profile_of(absolute_path(args.out_dir));
    r.last_built = static_cast<int64_t>(std::time(nullptr));
    ProjectDb(config.dir).upsert(r);
  } catch (const std::exception& e) {
    warn("could not record this project for `cratecache warm`: {}", e.what());
  }
}

}  // namespace cratecache
