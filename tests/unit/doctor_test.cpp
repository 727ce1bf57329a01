#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "cli/doctor_command.h"
#include "scratch_dir.h"
#include "store/layout.h"
#include "store/remote/object_signature.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

// All findings, one a line, for failure messages.
std::string shown(const Findings& findings) {
  std::string out;
  for (const auto& f : findings) out += (f.problem ? "problem: " : "note: ") + f.line + "\n";
  return out;
}

size_t problems(const Findings& findings) {
  size_t n = 0;
  for (const auto& f : findings) n += f.problem;
  return n;
}

// The one problem of `findings` mentions each of `words`.
void expect_one_problem(const Findings& findings, std::initializer_list<std::string> words) {
  ASSERT_EQ(problems(findings), 1u) << shown(findings);
  for (const auto& f : findings) {
    if (!f.problem) continue;
    for (const auto& w : words) EXPECT_NE(f.line.find(w), std::string::npos) << "'" << w << "' not in: " << f.line;
  }
}

class DoctorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    in_.config.dir = path("store");
    in_.uid = ::geteuid();
    make_dir(in_.config.dir, 0700);
    for (const auto& dir : {layout().entries_dir(), layout().manifests_dir(), layout().stats_dir(),
                            layout().events_dir(), layout().warm_dir()}) {
      make_dir(dir, 0755);
    }
    write_file_atomic(layout().config_file(), "max_size = \"1G\"\n", 0644);
  }
  std::string path(const std::string& name) const { return (scratch_.path() / name).string(); }
  StoreLayout layout() const { return StoreLayout(in_.config.dir); }
  static void make_dir(const std::string& dir, mode_t mode) {
    fs::create_directories(dir);
    ASSERT_EQ(::chmod(dir.c_str(), mode), 0);
  }
  static void set_mode(const std::string& p, mode_t mode) { ASSERT_EQ(::chmod(p.c_str(), mode), 0); }

  ScratchDir scratch_{"doctor"};
  DoctorInput in_;
};

TEST_F(DoctorTest, APrivateStoreWithNoKeysOrRemoteIsFine) {
  EXPECT_TRUE(run_doctor_checks(in_).empty()) << shown(run_doctor_checks(in_));
  // A store that does not exist yet: the first build makes it.
  DoctorInput absent = in_;
  absent.config.dir = path("not-yet");
  EXPECT_TRUE(run_doctor_checks(absent).empty()) << shown(run_doctor_checks(absent));
}

TEST_F(DoctorTest, AStoreOthersCanWriteIsAProblem) {
  set_mode(in_.config.dir, 0777);
  // The 0755 subdirs of a 0777 store disclose what they hold too; only the writers are looked at here.
  expect_one_problem(check_store_writers(in_), {in_.config.dir, "group and others", "0777", "chmod go-w"});
  set_mode(in_.config.dir, 0775);
  expect_one_problem(check_store_writers(in_), {"writable by group ", "0775"});
}

TEST_F(DoctorTest, AStoreOfAnotherUidThisOneCanWriteIsASharedWritableStore) {
  in_.uid = ::geteuid() + 1;  // the store (this process's) is then another user's, and writable here
  expect_one_problem(check_store_writers(in_), {"shared writable store", in_.config.dir, "#setups"});
}

TEST_F(DoctorTest, WhatLiesInTheStoreCountsOnlyWhereTheStoreLetsOthersIn) {
  set_mode(layout().entries_dir(), 0777);
  set_mode(layout().config_file(), 0666);
  EXPECT_TRUE(check_store_writers(in_).empty()) << "a 0700 store: " << shown(check_store_writers(in_));
  set_mode(in_.config.dir, 0755);
  Findings found = check_store_writers(in_);
  ASSERT_EQ(problems(found), 2u) << shown(found);
  EXPECT_NE(found[0].line.find(layout().entries_dir() + " is writable by group and others"), std::string::npos);
  EXPECT_NE(found[1].line.find(layout().config_file() + " is writable by group and others"), std::string::npos);
}

TEST_F(DoctorTest, ADirInTheStoreOwnedByAnotherUserIsAProblem) {
  if (::geteuid() != 0) GTEST_SKIP() << "chown needs root";
  ASSERT_EQ(::chown(layout().manifests_dir().c_str(), 65534, 65534), 0);
  expect_one_problem(check_store_writers(in_), {layout().manifests_dir(), "uid 65534's", "chown"});
}

TEST_F(DoctorTest, APublishedStoreOfTheSignerGetsANote) {
  set_mode(in_.config.dir, 0755);
  in_.config.signing_key = path("key");
  Findings found = check_store_writers(in_);
  ASSERT_EQ(found.size(), 1u) << shown(found);
  EXPECT_FALSE(found[0].problem);
  EXPECT_NE(found[0].line.find("--build-user"), std::string::npos) << found[0].line;
}

TEST_F(DoctorTest, WarmEventsAndMissRecordsMustBeClosedToOthers) {
  EXPECT_TRUE(check_disclosure(in_).empty()) << "a 0700 store: " << shown(check_disclosure(in_));
  set_mode(in_.config.dir, 0755);
  set_mode(layout().warm_dir(), 0700);
  expect_one_problem(check_disclosure(in_), {layout().events_dir(), "group and others", "chmod 700"});
  set_mode(in_.config.dir, 0750);
  set_mode(layout().events_dir(), 0700);
  set_mode(layout().warm_dir(), 0750);
  expect_one_problem(check_disclosure(in_), {layout().warm_dir(), "read by group ", "0750"});
}

TEST_F(DoctorTest, TheRequestsDropBoxIsTheOwnersWithMode1733) {
  std::string requests = layout().requests_dir();
  EXPECT_EQ(requests, in_.config.dir + "/requests");
  EXPECT_TRUE(check_requests_dir(in_).empty()) << "none yet";
  make_dir(requests, 01733);
  EXPECT_TRUE(check_requests_dir(in_).empty()) << shown(check_requests_dir(in_));
  set_mode(requests, 0777);
  expect_one_problem(check_requests_dir(in_), {requests, "mode 0777", "chmod 1733"});
  fs::remove(requests);
  write_file_atomic(requests, "", 0644);
  expect_one_problem(check_requests_dir(in_), {"not a directory"});
  fs::remove(requests);
  make_dir(path("elsewhere"), 01733);
  fs::create_directory_symlink(path("elsewhere"), requests);
  expect_one_problem(check_requests_dir(in_), {"a symlink"});
  if (::geteuid() == 0) {
    fs::remove(requests);
    make_dir(requests, 01733);
    ASSERT_EQ(::chown(requests.c_str(), 65534, 65534), 0);
    expect_one_problem(check_requests_dir(in_), {"uid 65534's", "chown"});
  }
}

TEST_F(DoctorTest, TheSigningKeyIsValidPrivateAndOnlyInTheEnvironment) {
  std::string key = path("builder.key");
  generate_key_pair(key);
  in_.config.signing_key = key;
  Findings found = check_signing_key(in_);
  ASSERT_EQ(found.size(), 1u) << shown(found);
  EXPECT_FALSE(found[0].problem) << "a 0600 key of this user is fine: " << found[0].line;
  EXPECT_NE(found[0].line.find("cratecache warm"), std::string::npos) << found[0].line;

  set_mode(key, 0644);
  expect_one_problem(check_signing_key(in_), {key, "group and others", "0644", "chmod 600"});
  set_mode(key, 0600);

  in_.store_file.signing_key = key;
  expect_one_problem(check_signing_key(in_), {layout().config_file(), "CRATECACHE_SIGNING_KEY"});
  in_.store_file.signing_key.clear();

  in_.uid = ::geteuid() + 1;
  expect_one_problem(check_signing_key(in_), {"not yours", "chown"});
  in_.uid = ::geteuid();

  write_file_atomic(path("garbage.key"), "not a key\n", 0600);
  in_.config.signing_key = path("garbage.key");
  expect_one_problem(check_signing_key(in_), {"not a PEM Ed25519 private key"});
  in_.config.signing_key = path("missing.key");
  expect_one_problem(check_signing_key(in_), {path("missing.key"), "No such file", "cratecache keygen"});
}

TEST_F(DoctorTest, RequiredSignaturesNeedValidTrustedKeys) {
  in_.config.require_signature = true;
  expect_one_problem(check_trusted_keys(in_), {"trusted_keys", "every shared object is a miss"});
  in_.config.signing_key = path("builder.key");  // the signer's own key is trusted
  EXPECT_TRUE(check_trusted_keys(in_).empty()) << shown(check_trusted_keys(in_));
  in_.config.signing_key.clear();

  generate_key_pair(path("builder.key"));
  in_.config.trusted_keys = {path("builder.key.pub")};
  EXPECT_TRUE(check_trusted_keys(in_).empty()) << shown(check_trusted_keys(in_));
  set_mode(path("builder.key.pub"), 0666);
  expect_one_problem(check_trusted_keys(in_), {path("builder.key.pub"), "own key in its place", "chmod go-w"});
  in_.config.trusted_keys = {path("builder.key")};
  expect_one_problem(check_trusted_keys(in_), {"not a PEM Ed25519 public key"});
  in_.config.trusted_keys = {path("gone.pub")};
  expect_one_problem(check_trusted_keys(in_), {path("gone.pub")});
}

TEST_F(DoctorTest, ASharedTierWithoutRequiredSignaturesIsAProblem) {
  EXPECT_TRUE(check_trusted_keys(in_).empty()) << "one user, own store, no remote";
  in_.config.remote = "redis://127.0.0.1:6379";
  expect_one_problem(check_trusted_keys(in_), {"require_signature is off", "the remote tier"});
  in_.config.remote.clear();
  in_.uid = ::geteuid() + 1;
  EXPECT_TRUE(check_trusted_keys(in_).empty()) << "another user's store, protected by its modes";
}

TEST_F(DoctorTest, TheSharedStoreIsCheckedLikeTheOwnStore) {
  ScratchDir shared("doctor-shared");
  in_.config.shared_store = shared.path().string();
  EXPECT_TRUE(run_doctor_checks(in_).empty()) << shown(run_doctor_checks(in_));
  ::chmod(in_.config.shared_store.c_str(), 0777);
  expect_one_problem(run_doctor_checks(in_), {in_.config.shared_store, "(CRATECACHE_SHARED_STORE)", "writable by"});
}

TEST_F(DoctorTest, TheRemoteIsValidAndATenantOnlyReadsIt) {
  EXPECT_TRUE(check_remote(in_).empty()) << "no remote";
  in_.config.remote = "rediss://127.0.0.1:6380";
  expect_one_problem(check_remote(in_), {"CRATECACHE_REMOTE", "rediss://", "disabled"});
  in_.config.remote = "redis://127.0.0.1:6379";
  in_.config.remote_policy = "sometimes";
  expect_one_problem(check_remote(in_), {"remote_policy", "read-only"});
  in_.config.remote_policy = "";
  EXPECT_TRUE(check_remote(in_).empty()) << "an unsigned fleet of trusted machines: " << shown(check_remote(in_));
  in_.config.require_signature = true;
  in_.config.trusted_keys = {path("builder.key.pub")};
  expect_one_problem(check_remote(in_), {"read-write (the default)", "remote_policy = \"read-only\""});
  in_.config.remote_policy = "read-only";
  EXPECT_TRUE(check_remote(in_).empty()) << shown(check_remote(in_));
  in_.config.remote_policy = "read-write";
  in_.config.signing_key = path("builder.key");
  EXPECT_TRUE(check_remote(in_).empty()) << "the signing builder: " << shown(check_remote(in_));
}

}  // namespace
}  // namespace cratecache
