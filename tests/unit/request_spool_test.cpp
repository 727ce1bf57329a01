// The drop box between tenants and the builder: what a sender leaves is taken once, by content;
// what is not a sender's own request of the box's form is refused without being waited on.
#include "store/request_spool.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "scratch_dir.h"
#include "util/digest.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

class RequestSpoolTest : public ::testing::Test {
 protected:
  RequestSpoolTest() : dir_("request-spool"), layout_(dir_.path().string()) {}

  BuildRequest request(const std::string& name) const {
    return {"[package]\nname = \"" + name + "\"\nversion = \"0.1.0\"\n\n[dependencies]\nitoa = \"1\"\n", "", "1.95.0",
            "dev", ""};
  }
  std::string box_file(const std::string& name) const { return layout_.requests_dir() + "/" + name; }
  std::string own_name(const std::string& bytes) const {
    return std::to_string(::geteuid()) + "-" + sha256_hex(bytes).substr(0, 32) + ".request";
  }

  ScratchDir dir_;
  StoreLayout layout_;
};

TEST_F(RequestSpoolTest, NoBoxNoRequest) { EXPECT_FALSE(submit_request(layout_, request("a"))); }

TEST_F(RequestSpoolTest, ABoxOfAnotherModeIsNotUsed) {
  fs::create_directory(layout_.requests_dir());
  ::chmod(layout_.requests_dir().c_str(), 0777);
  EXPECT_FALSE(submit_request(layout_, request("a")));
  EXPECT_THROW(drain_requests(layout_, 10), std::runtime_error);
}

TEST_F(RequestSpoolTest, ARequestIsTakenOnceAndRemoved) {
  create_request_box(layout_);
  struct stat st {};
  ASSERT_EQ(::stat(layout_.requests_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01733u);
  ASSERT_TRUE(submit_request(layout_, request("a")));
  ASSERT_TRUE(submit_request(layout_, request("a")));  // the same content: the same file
  ASSERT_TRUE(submit_request(layout_, request("b")));
  DrainResult drained = drain_requests(layout_, 10);
  ASSERT_EQ(drained.taken.size(), 2u);
  EXPECT_EQ(drained.taken[0].request.dependencies, request("a").dependencies);
  EXPECT_EQ(drained.taken[0].sender, ::geteuid());
  EXPECT_TRUE(drained.refused.empty());
  EXPECT_TRUE(drain_requests(layout_, 10).taken.empty());
}

TEST_F(RequestSpoolTest, ASendersShareIsBounded) {
  create_request_box(layout_);
  for (const char* name : {"a", "b", "c"}) submit_request(layout_, request(name));
  DrainResult first = drain_requests(layout_, 2);
  EXPECT_EQ(first.taken.size(), 2u);
  EXPECT_EQ(first.deferred, 1u);
  EXPECT_EQ(drain_requests(layout_, 2).taken.size(), 1u);
}

TEST_F(RequestSpoolTest, WhatIsNotARequestIsRefusedAndRemoved) {
  create_request_box(layout_);
  std::string uid = std::to_string(::geteuid());
  ::mkfifo(box_file(uid + "-" + std::string(32, '0') + ".request").c_str(), 0644);
  fs::create_symlink("/etc/passwd", box_file(uid + "-" + std::string(32, '1') + ".request"));
  write_file_atomic(box_file(uid + "-" + std::string(32, '2') + ".request"), "{}");  // not its digest
  write_file_atomic(box_file("notes.txt"), "hello");
  std::string big(kMaxRequestBytes + 1, ' ');
  write_file_atomic(box_file(own_name(big)), big);
  std::string bad_profile = R"({"dependencies":"[package]\nname=\"x\"","profile":"../../etc"})";
  write_file_atomic(box_file(own_name(bad_profile)), bad_profile);
  std::string path_target = R"({"dependencies":"[package]\nname=\"x\"","target":"/tmp/spec.json"})";
  write_file_atomic(box_file(own_name(path_target)), path_target);
  DrainResult drained = drain_requests(layout_, 10);
  EXPECT_TRUE(drained.taken.empty());
  EXPECT_EQ(drained.refused.size(), 7u);
  EXPECT_TRUE(fs::is_empty(layout_.requests_dir()));
}

TEST_F(RequestSpoolTest, AnotherSendersNameOnMyFileIsRefused) {
  create_request_box(layout_);
  std::string bytes = R"({"dependencies":"[package]\nname=\"x\""})";
  std::string name = std::to_string(::geteuid() + 1) + "-" + sha256_hex(bytes).substr(0, 32) + ".request";
  write_file_atomic(box_file(name), bytes);
  DrainResult drained = drain_requests(layout_, 10);
  EXPECT_TRUE(drained.taken.empty());
  ASSERT_EQ(drained.refused.size(), 1u);
  EXPECT_NE(drained.refused[0].find("not a file of the user its name says"), std::string::npos);
}

}  // namespace
}  // namespace cratecache
