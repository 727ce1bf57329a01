#include "store/project_db.h"

#include <sqlite3.h>

#include <sstream>
#include <stdexcept>
#include <toml++/toml.h>

#include "util/fs.h"

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

ProjectDb::ProjectDb(const StoreLayout& layout) {
  make_dirs(layout.dir());
  std::string path = layout.project_db();
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

}  // namespace cratecache
