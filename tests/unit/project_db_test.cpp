#include "store/project_db.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <ctime>

#include "scratch_dir.h"
#include "util/digest.h"
#include "util/fs.h"

namespace cratecache {
namespace {

TEST(ProjectRecord, KeepsOnlyDependencyTables) {
  std::string toml = dependency_tables(
      "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\ndescription = \"secret\"\n"
      "[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\n"
      "[dev-dependencies]\nproptest = \"1\"\n[[bin]]\nname = \"app\"\npath = \"src/main.rs\"\n"
      "[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n[profile.release]\nlto = true\n");
  EXPECT_NE(toml.find("serde"), std::string::npos);
  EXPECT_NE(toml.find("libc"), std::string::npos);
  EXPECT_NE(toml.find("lto"), std::string::npos);
  EXPECT_EQ(toml.find("secret"), std::string::npos);
  EXPECT_EQ(toml.find("proptest"), std::string::npos);
  EXPECT_EQ(toml.find("src/main.rs"), std::string::npos);
}

// The database file by hand, as another process (or an older cratecache) sees it.
class RawDb {
 public:
  explicit RawDb(const std::string& path) { EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK); }
  ~RawDb() { sqlite3_close(db_); }
  void exec(const std::string& sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "") << " in " << sql;
    sqlite3_free(err);
  }
  int64_t number(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db_);
    int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    return n;
  }

 private:
  sqlite3* db_ = nullptr;
};

class ProjectDbTest : public ::testing::Test {
 protected:
  ScratchDir dir{"project-db"};
  StoreLayout layout{dir.path().string()};

  static ProjectRecord record(const std::string& manifest, const std::string& lockfile, int64_t built,
                              const std::string& toolchain_id = "aaaaaaaaaaaaaaaa") {
    ProjectRecord r;
    r.manifest_path = manifest;
    r.dependencies = "[package]\nname = \"" + manifest + "\"\n";
    r.lockfile = lockfile;
    r.rustc = "/usr/bin/rustc";
    r.toolchain = "1.95.0";
    r.toolchain_id = toolchain_id;
    r.profile = "dev";
    r.last_built = built;
    return r;
  }
  std::vector<ProjectSummary> listed(const ProjectDb& db) {
    std::vector<ProjectSummary> out;
    db.list([&](const ProjectSummary& s) { out.push_back(s); });
    return out;
  }
  int64_t texts() { return RawDb(layout.project_db()).number("SELECT count(*) FROM texts"); }
};

TEST_F(ProjectDbTest, ALockfileSharedByProjectsIsStoredOnce) {
  ProjectDb db(layout);
  std::string lock(100000, 'x');
  for (int i = 0; i < 5; ++i) db.upsert(record("/p" + std::to_string(i) + "/Cargo.toml", lock, 100 + i));
  EXPECT_EQ(texts(), 6);  // five dependency tables, one lockfile
  EXPECT_EQ(RawDb(layout.project_db()).number("SELECT count(*) FROM texts WHERE body = '" + lock + "'"), 1);
  auto rows = listed(db);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].manifest_path, "/p4/Cargo.toml");  // most recently built first
  EXPECT_EQ(rows[0].builds, 1);
}

TEST_F(ProjectDbTest, ARebuildWithUnchangedTextsWritesNoText) {
  ProjectDb db(layout);
  db.upsert(record("/p/Cargo.toml", "lock v1", 100));
  // Counts every write the texts table sees from here on, even one that is then ignored.
  RawDb raw(layout.project_db());
  raw.exec("CREATE TABLE text_writes (n INTEGER); INSERT INTO text_writes VALUES (0);"
           "CREATE TRIGGER count_text_writes BEFORE INSERT ON texts BEGIN UPDATE text_writes SET n = n + 1; END;");
  db.upsert(record("/p/Cargo.toml", "lock v1", 200));
  EXPECT_EQ(raw.number("SELECT n FROM text_writes"), 0);
  auto rows = listed(db);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].builds, 2);
  EXPECT_EQ(rows[0].last_built, 200);
  db.upsert(record("/p/Cargo.toml", "lock v2", 300));
  EXPECT_GT(raw.number("SELECT n FROM text_writes"), 0);
  EXPECT_EQ(listed(db)[0].builds, 3);
}

TEST_F(ProjectDbTest, ATextGoesWithItsLastRecord) {
  ProjectDb db(layout);
  db.upsert(record("/a/Cargo.toml", "lock 1", 100));
  db.upsert(record("/b/Cargo.toml", "lock 1", 200));
  db.upsert(record("/a/Cargo.toml", "lock 2", 300));  // lock 1 still b's
  EXPECT_EQ(db.text(sha256_hex("lock 1")), "lock 1");
  EXPECT_EQ(db.text(sha256_hex("lock 2")), "lock 2");
  EXPECT_EQ(texts(), 4);
  db.upsert(record("/b/Cargo.toml", "lock 2", 400));  // the update's old text, now no one's
  EXPECT_THROW(db.text(sha256_hex("lock 1")), std::runtime_error);
  EXPECT_EQ(texts(), 3);
  EXPECT_EQ(db.drop_built_before(350), 1u);  // a's record
  EXPECT_THROW(db.text(sha256_hex("[package]\nname = \"/a/Cargo.toml\"\n")), std::runtime_error);
  EXPECT_EQ(db.text(sha256_hex("lock 2")), "lock 2");
  EXPECT_EQ(db.drop_built_before(1000), 1u);
  EXPECT_EQ(texts(), 0);
}

TEST_F(ProjectDbTest, RecordsGoWithTheirToolchain) {
  ProjectDb db(layout);
  db.upsert(record("/a/Cargo.toml", "lock", 100, "aaaaaaaaaaaaaaaa"));
  db.upsert(record("/b/Cargo.toml", "lock", 100, "bbbbbbbbbbbbbbbb"));
  // A toolchain of another release, whose record has no id (it predates ids): untouched.
  RawDb(layout.project_db())
      .exec("UPDATE records SET toolchain_id = '', toolchain = '1.90.0' WHERE manifest_path = '/b/Cargo.toml'");
  EXPECT_EQ(db.drop_toolchains({{"aaaaaaaaaaaaaaaa", "1.95.0 x86_64-unknown-linux-gnu"}}), 1u);
  ASSERT_EQ(listed(db).size(), 1u);
  EXPECT_EQ(listed(db)[0].manifest_path, "/b/Cargo.toml");
  EXPECT_EQ(db.drop_toolchains({{"cccccccccccccccc", ""}}), 0u);  // an unknown release matches no old record
  EXPECT_EQ(db.drop_toolchains({{"cccccccccccccccc", "1.90.0 x86_64-unknown-linux-gnu"}}), 1u);
  EXPECT_TRUE(listed(db).empty());
  EXPECT_EQ(texts(), 0);
}

TEST_F(ProjectDbTest, WarmsChoiceIsMadeInSql) {
  ProjectDb db(layout);
  int64_t now = std::time(nullptr);
  // One project built by two toolchains: one build to warm, labelled by its latest record.
  ProjectRecord a = record("/a/Cargo.toml", "lock a", now - 10);
  db.upsert(a);
  a.toolchain = "1.94.0";
  a.last_built = now - 5;
  db.upsert(a);
  for (int i = 0; i < 3; ++i) db.upsert(record("/busy/Cargo.toml", "lock busy", now - 1000 + i));
  db.upsert(record("/old/Cargo.toml", "lock old", now - 40 * 86400));

  auto all = db.distinct_builds(0, std::nullopt);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].label, "/a/Cargo.toml");
  EXPECT_EQ(all[0].lockfile_digest, sha256_hex("lock a"));
  EXPECT_EQ(db.text(all[0].dependencies_digest), a.dependencies);

  auto recent = db.distinct_builds(now - 86400, std::nullopt);
  ASSERT_EQ(recent.size(), 2u);
  auto top = db.distinct_builds(0, 1);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].label, "/busy/Cargo.toml");  // built three times
}

// Version 0's table, texts inline, as an older cratecache left it.
void write_old_records(const StoreLayout& layout) {
  make_dirs(layout.dir());
  RawDb old(layout.project_db());
  old.exec(
      "PRAGMA journal_mode=WAL;"
      "CREATE TABLE projects (manifest_path TEXT, profile TEXT, target TEXT, toolchain TEXT, rustc TEXT,"
      " dependencies TEXT, lockfile TEXT, last_built INTEGER, builds INTEGER,"
      " PRIMARY KEY (manifest_path, profile, target, toolchain));"
      "INSERT INTO projects VALUES ('/a/Cargo.toml', 'dev', '', '1.90.0', 'rustc', 'deps a', 'shared lock', 100, 3);"
      "INSERT INTO projects VALUES ('/b/Cargo.toml', 'release', 'x86_64-unknown-linux-musl', '1.90.0', 'rustc',"
      " 'deps b', 'shared lock', 200, 1);");
}

TEST_F(ProjectDbTest, AnOlderVersionsRecordsAreMovedIn) {
  write_old_records(layout);
  ProjectDb db(layout);
  auto rows = listed(db);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].manifest_path, "/b/Cargo.toml");
  EXPECT_EQ(rows[0].target, "x86_64-unknown-linux-musl");
  EXPECT_EQ(rows[1].builds, 3);
  EXPECT_EQ(texts(), 3);
  auto builds = db.distinct_builds(0, std::nullopt);
  ASSERT_EQ(builds.size(), 2u);
  EXPECT_EQ(db.text(builds[1].lockfile_digest), "shared lock");
  EXPECT_EQ(db.text(builds[1].dependencies_digest), "deps a");
  EXPECT_EQ(RawDb(layout.project_db()).number("SELECT count(*) FROM sqlite_master WHERE name = 'projects'"), 0);

  // A rebuild of a moved record is a rebuild, and it gets its toolchain's id.
  ProjectRecord again;
  again.manifest_path = "/a/Cargo.toml";
  again.profile = "dev";
  again.toolchain = "1.90.0";
  again.toolchain_id = "eeeeeeeeeeeeeeee";
  again.dependencies = "deps a";
  again.lockfile = "shared lock";
  db.upsert(again);
  rows = listed(db);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].builds, 4);
  // A moved record without an id goes with a dropped toolchain of its release.
  EXPECT_EQ(db.drop_toolchains({{"dddddddddddddddd", "1.90.0 x86_64-unknown-linux-gnu"}}), 1u);
  rows = listed(db);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].manifest_path, "/a/Cargo.toml");
}

TEST_F(ProjectDbTest, ABuildRecordsWithoutMovingAnOlderVersionsRecords) {
  write_old_records(layout);
  {
    ProjectDb build(layout, ProjectDb::Migration::kLeaveToManager);
    build.upsert(record("/a/Cargo.toml", "new lock", 300));
  }
  RawDb raw(layout.project_db());
  EXPECT_EQ(raw.number("SELECT count(*) FROM projects"), 2);  // left for a manager command
  EXPECT_EQ(raw.number("SELECT count(*) FROM records"), 1);
  EXPECT_EQ(raw.number("PRAGMA user_version"), 0);

  ProjectDb manager(layout);
  auto rows = listed(manager);
  ASSERT_EQ(rows.size(), 3u);  // the build's /a (dev, its toolchain) and both old records
  EXPECT_EQ(rows[0].last_built, 300);
  EXPECT_EQ(raw.number("SELECT count(*) FROM sqlite_master WHERE name = 'projects'"), 0);
}

}  // namespace
}  // namespace cratecache
