#include "store/project_db.h"

#include <sqlite3.h>

#include <sstream>
#include <stdexcept>
#include <string_view>
#include <toml++/toml.h>

#include "util/digest.h"
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

  // The text must outlive the statement's use of it: a lockfile is not copied.
  void bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind_null(int i) { sqlite3_bind_null(stmt_, i); }
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(sqlite3_db_handle(stmt_)));
  }
  std::string text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : "";
  }
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + msg);
  }
}

// Rolled back unless committed: an exception leaves the records as they were.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { exec(db_, "BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (db_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    exec(db_, "COMMIT");
    db_ = nullptr;
  }

 private:
  sqlite3* db_;
};

// Version 1: texts by digest. Version 0 (or no tables yet): the table `projects` held each
// record's texts inline.
constexpr int kSchemaVersion = 1;

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS texts (digest TEXT PRIMARY KEY, body TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS records ("
    " manifest_path TEXT NOT NULL, profile TEXT NOT NULL, target TEXT NOT NULL, toolchain TEXT NOT NULL,"
    " toolchain_id TEXT NOT NULL, rustc TEXT NOT NULL, dependencies TEXT NOT NULL, lockfile TEXT NOT NULL,"
    " last_built INTEGER NOT NULL, builds INTEGER NOT NULL,"
    " PRIMARY KEY (manifest_path, profile, target, toolchain));"
    // For the triggers' look-ups, and `projects`' order.
    "CREATE INDEX IF NOT EXISTS records_by_dependencies ON records (dependencies);"
    "CREATE INDEX IF NOT EXISTS records_by_lockfile ON records (lockfile);"
    "CREATE INDEX IF NOT EXISTS records_by_last_built ON records (last_built);"
    "CREATE TRIGGER IF NOT EXISTS texts_of_deleted AFTER DELETE ON records BEGIN"
    " DELETE FROM texts WHERE digest IN (OLD.dependencies, OLD.lockfile)"
    "  AND NOT EXISTS (SELECT 1 FROM records WHERE dependencies = texts.digest)"
    "  AND NOT EXISTS (SELECT 1 FROM records WHERE lockfile = texts.digest);"
    " END;"
    "CREATE TRIGGER IF NOT EXISTS texts_of_changed AFTER UPDATE OF dependencies, lockfile ON records BEGIN"
    " DELETE FROM texts WHERE digest IN (OLD.dependencies, OLD.lockfile)"
    "  AND NOT EXISTS (SELECT 1 FROM records WHERE dependencies = texts.digest)"
    "  AND NOT EXISTS (SELECT 1 FROM records WHERE lockfile = texts.digest);"
    " END;";

// Version 0's records, moved in SQL: sha256() is registered for it.
constexpr const char* kMigration =
    "INSERT OR IGNORE INTO texts SELECT sha256(COALESCE(dependencies, '')), COALESCE(dependencies, '') FROM projects;"
    "INSERT OR IGNORE INTO texts SELECT sha256(COALESCE(lockfile, '')), COALESCE(lockfile, '') FROM projects;"
    "INSERT OR IGNORE INTO records SELECT manifest_path, profile, target, toolchain, '', COALESCE(rustc, ''),"
    " sha256(COALESCE(dependencies, '')), sha256(COALESCE(lockfile, '')), COALESCE(last_built, 0), COALESCE(builds, 1)"
    " FROM projects;"
    "DROP TABLE projects;";

void sql_sha256(sqlite3_context* context, int, sqlite3_value** argv) {
  auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  std::string hex = sha256_hex(std::string_view(text ? text : "", static_cast<size_t>(sqlite3_value_bytes(argv[0]))));
  sqlite3_result_text(context, hex.c_str(), static_cast<int>(hex.size()), SQLITE_TRANSIENT);
}

int schema_version(sqlite3* db) {
  Statement s(db, "PRAGMA user_version");
  return s.step() ? static_cast<int>(s.integer(0)) : 0;
}

void set_up_schema(sqlite3* db, ProjectDb::Migration migration) {
  exec(db, "PRAGMA journal_mode=WAL");
  Transaction t(db);
  // Another process may have done it while this one waited for the lock.
  int version = schema_version(db);
  if (version == kSchemaVersion) return;
  if (version > kSchemaVersion) throw std::runtime_error("the project records are of a newer cratecache");
  exec(db, kSchema);
  bool old_records = Statement(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'projects'").step();
  if (old_records && migration == ProjectDb::Migration::kLeaveToManager) {
    t.commit();  // the version stays old: the next manager command moves them
    return;
  }
  if (old_records) {
    if (sqlite3_create_function_v2(db, "sha256", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, sql_sha256, nullptr,
                                   nullptr, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
    }
    exec(db, kMigration);
  }
  exec(db, ("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
  t.commit();
  // The old table's pages (a copy of every text per record: GBs at 10^4) go back to the file
  // system; VACUUM copies only what is left, a few MB (best effort: if busy, they stay free pages).
  if (old_records) sqlite3_exec(db, "VACUUM", nullptr, nullptr, nullptr);
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

ProjectDb::ProjectDb(const StoreLayout& layout, Migration migration) {
  make_dirs(layout.dir());
  std::string path = layout.project_db();
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    std::string err = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open " + path + ": " + err);
  }
  sqlite3_busy_timeout(db_, 5000);
  try {
    if (schema_version(db_) != kSchemaVersion) set_up_schema(db_, migration);
  } catch (const std::exception& e) {
    sqlite3_close(db_);
    throw std::runtime_error("cannot initialise " + path + ": " + e.what());
  }
}

ProjectDb::~ProjectDb() { sqlite3_close(db_); }

void ProjectDb::upsert(const ProjectRecord& r) {
  std::string dependencies = sha256_hex(r.dependencies);
  std::string lockfile = sha256_hex(r.lockfile);
  auto bind_record = [&](Statement& s) {
    s.bind(1, r.manifest_path);
    s.bind(2, r.profile);
    s.bind(3, r.target);
    s.bind(4, r.toolchain);
    s.bind(5, r.toolchain_id);
    s.bind(6, r.rustc);
    s.bind(7, dependencies);
    s.bind(8, lockfile);
    s.bind(9, r.last_built);
  };
  // The common case, a rebuild: one row's counters.
  Statement rebuilt(db_,
                    "UPDATE records SET toolchain_id = ?5, rustc = ?6, last_built = ?9, builds = builds + 1 "
                    "WHERE manifest_path = ?1 AND profile = ?2 AND target = ?3 AND toolchain = ?4 "
                    "AND dependencies = ?7 AND lockfile = ?8");
  bind_record(rebuilt);
  rebuilt.step();
  if (sqlite3_changes(db_) > 0) return;

  // In one transaction with the record: a concurrent delete cannot take a text it is about to use.
  Transaction t(db_);
  Statement text(db_, "INSERT OR IGNORE INTO texts VALUES (?1, ?2)");
  for (const auto& [digest, body] : {std::pair<const std::string&, const std::string&>{dependencies, r.dependencies},
                                     {lockfile, r.lockfile}}) {
    text.bind(1, digest);
    text.bind(2, body);
    text.step();
    text.reset();
  }
  Statement record(db_,
                   "INSERT INTO records VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1) "
                   "ON CONFLICT (manifest_path, profile, target, toolchain) DO UPDATE SET "
                   " toolchain_id = ?5, rustc = ?6, dependencies = ?7, lockfile = ?8, last_built = ?9, "
                   " builds = builds + 1");
  bind_record(record);
  record.step();
  t.commit();
}

void ProjectDb::list(const std::function<void(const ProjectSummary&)>& each) const {
  Statement s(db_,
              "SELECT manifest_path, profile, target, toolchain, last_built, builds FROM records "
              "ORDER BY last_built DESC");
  ProjectSummary r;
  while (s.step()) {
    r.manifest_path = s.text(0);
    r.profile = s.text(1);
    r.target = s.text(2);
    r.toolchain = s.text(3);
    r.last_built = s.integer(4);
    r.builds = s.integer(5);
    each(r);
  }
}

std::vector<RecordedBuild> ProjectDb::distinct_builds(int64_t built_since, std::optional<size_t> top) const {
  // The label is the manifest of the row with the greatest last_built (SQLite's bare column of a
  // max() aggregate).
  Statement s(db_,
              "WITH chosen AS (SELECT * FROM records WHERE last_built >= ?1 "
              "                ORDER BY builds DESC, last_built DESC LIMIT ?2) "
              "SELECT manifest_path, dependencies, lockfile, profile, target, max(last_built) AS latest FROM chosen "
              "GROUP BY dependencies, lockfile, profile, target ORDER BY latest DESC, manifest_path");
  s.bind(1, built_since);
  s.bind(2, top ? static_cast<int64_t>(*top) : int64_t{-1});  // -1: no limit
  std::vector<RecordedBuild> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4)});
  return out;
}

std::string ProjectDb::text(const std::string& digest) const {
  Statement s(db_, "SELECT body FROM texts WHERE digest = ?1");
  s.bind(1, digest);
  if (!s.step()) throw std::runtime_error("no recorded text " + digest);
  return s.text(0);
}

size_t ProjectDb::drop_toolchains(const std::vector<DroppedToolchain>& dropped) {
  Transaction t(db_);
  Statement s(db_, "DELETE FROM records WHERE toolchain_id = ?1 OR (toolchain_id = '' AND toolchain = ?2)");
  size_t removed = 0;
  for (const auto& toolchain : dropped) {
    // "1.95.0 x86_64-unknown-linux-gnu": records name the release only. An unknown release
    // matches no record from before ids were kept.
    std::string release = toolchain.release.substr(0, toolchain.release.find(' '));
    s.bind(1, toolchain.id);
    if (release.empty()) {
      s.bind_null(2);  // matches nothing
    } else {
      s.bind(2, release);
    }
    s.step();
    removed += static_cast<size_t>(sqlite3_changes(db_));
    s.reset();
  }
  t.commit();
  return removed;
}

size_t ProjectDb::drop_built_before(int64_t cutoff) {
  Statement s(db_, "DELETE FROM records WHERE last_built < ?1");
  s.bind(1, cutoff);
  s.step();
  return static_cast<size_t>(sqlite3_changes(db_));
}

}  // namespace cratecache
