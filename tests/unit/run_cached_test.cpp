#include "job/run_cached.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "fake_remote.h"
#include "job/result.h"
#include "job/single_flight.h"
#include "scratch_dir.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

// A job whose tool is a shell command writing its outputs (out/lib.out) in the out-dir, and which
// expects lib.out alone; it counts its runs.
class FakeJob : public Job {
 public:
  FakeJob(std::string out_dir, std::string script, std::string name = "fake")
      : key_digit(name == "fake" ? '1' : '2'), out_dir_(std::move(out_dir)), script_(std::move(script)),
        name_(std::move(name)) {}

  std::string name() const override { return name_; }
  std::string kind() const override { return "lib"; }
  std::string out_dir() const override { return out_dir_; }
  bool expects_output(std::string_view name) const override { return name == "lib.out"; }
  const PathNormaliser& normaliser() const override { return normaliser_; }
  InputRoots input_roots() const override { return InputRoots(out_dir_, {}); }
  JobKeys keys() override { return {std::string(64, key_digit), "00000000000000aa"}; }
  KeyInputs key_inputs() override { return {}; }
  Command command() override {
    ++runs;
    return {"/bin/sh", {"-c", script_}};
  }
  std::string failure_reason() const override { return "compile_error"; }
  Collected collect(const TeeResult& run, uint64_t run_ms) override {
    ResultBuilder result(normaliser_, name(), kind(), run_ms);
    for (const auto& name : outputs) result.add_output({name, 0644, false, read_file(out_dir_ + "/" + name), "", ""});
    return result.finish(run, "");
  }

  int runs = 0;
  char key_digit;                                 // of the input key
  std::vector<std::string> outputs{"lib.out"};    // what collect() stores

 private:
  std::string out_dir_;
  std::string script_;
  std::string name_;
  PathNormaliser normaliser_;
};

class RunCachedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = config_at("store");
    fs::create_directories(out_dir_);
  }
  Config config_at(const std::string& name) {
    Config c;
    c.dir = (scratch_.path() / name).string();
    c.lock_timeout_ms = 200;
    return c;
  }
  FakeJob job(const std::string& script = "echo built > lib.out") {
    return FakeJob(out_dir_, "cd '" + out_dir_ + "' && " + script);
  }
  int64_t counter(const Config& c, const std::string& name) { return Stats(StoreLayout(c.dir)).totals()[name]; }
  std::string output() { return try_read_file(out_dir_ + "/lib.out").value_or("(none)"); }
  // Rewrites the result key (toolchain and digest) the fake job's manifest leads to.
  void repoint_manifest(const Store& store, const std::string& result_key) {
    std::string path = store.layout().object(Kind::kManifest, EntryKey("00000000000000aa", std::string(64, '1')));
    std::string text = read_file(path);
    auto at = text.find("00000000000000aa/");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 17 + 64, result_key);
    write_file_atomic(path, text);
  }
  // Stores `other`'s result, then the fake job's, and re-points the fake job's manifest at
  // `other`'s entry; the fake job's output is gone, as in a fresh out-dir.
  void lead_manifest_to(Store& store, FakeJob& other) {
    run_cached(other, store, digests_);
    std::string others_key = entry_path();
    others_key = others_key.substr(others_key.rfind('/') + 1, 64);
    FakeJob first = job();
    run_cached(first, store, digests_);
    repoint_manifest(store, "00000000000000aa/" + others_key);
    fs::remove(out_dir_ + "/lib.out");
  }
  // The fake job again: not served, it runs its tool.
  void expect_compiled(Store& store) {
    FakeJob again = job();
    EXPECT_EQ(run_cached(again, store, digests_), 0);
    EXPECT_EQ(again.runs, 1);
    EXPECT_EQ(output(), "built\n");
  }
  std::string entry_path() {
    std::string found;
    StoreLayout(config_.dir).for_each_entry([&](const StoreLayout::EntryFile& f) { found = f.path; });
    return found;
  }

  ScratchDir scratch_{"run-cached"};
  std::string out_dir_ = (scratch_.path() / "out").string();
  Config config_;
  StatCache digests_{(scratch_.path() / "stat").string()};
};

TEST_F(RunCachedTest, AMissIsStoredAndTheNextRunIsServed) {
  Store store(config_, std::nullopt);
  FakeJob first = job();
  EXPECT_EQ(run_cached(first, store, digests_), 0);
  EXPECT_EQ(first.runs, 1);
  EXPECT_EQ(counter(config_, "misses"), 1);
  fs::remove(out_dir_ + "/lib.out");

  FakeJob second = job();
  EXPECT_EQ(run_cached(second, store, digests_), 0);
  EXPECT_EQ(second.runs, 0) << "a hit must not run the tool";
  EXPECT_EQ(output(), "built\n");
  EXPECT_EQ(counter(config_, "hits"), 1);
  EXPECT_EQ(counter(config_, "hits.lib"), 1);
}

TEST_F(RunCachedTest, AFailingToolIsPassedThroughUncached) {
  Store store(config_, std::nullopt);
  FakeJob failing = job("exit 3");
  EXPECT_EQ(run_cached(failing, store, digests_), 3);
  EXPECT_EQ(counter(config_, "not_cached.compile_error"), 1);
  EXPECT_EQ(entry_path(), "");
}

TEST_F(RunCachedTest, ACorruptEntryIsRemovedAndTheToolRuns) {
  Store store(config_, std::nullopt);
  FakeJob first = job();
  run_cached(first, store, digests_);
  std::string path = entry_path();
  std::string bytes = read_file(path);
  bytes[bytes.size() - 3] ^= 0x55;  // in the payload
  write_file_atomic(path, bytes);

  FakeJob second = job();
  EXPECT_EQ(run_cached(second, store, digests_), 0);
  EXPECT_EQ(second.runs, 1);
  EXPECT_EQ(output(), "built\n");
  EXPECT_EQ(counter(config_, "errors.corrupt_entry"), 1);
  EXPECT_NE(read_file(entry_path()), bytes) << "the corrupt entry was replaced";
}

TEST_F(RunCachedTest, ADeadRemoteCostsNothingButACounter) {
  Store store(config_, dir_remote((scratch_.path() / "remote").string(), true));
  FakeJob first = job();
  EXPECT_EQ(run_cached(first, store, digests_), 0);
  EXPECT_EQ(first.runs, 1);
  EXPECT_GE(counter(config_, "errors.remote_get"), 1);
  FakeJob second = job();
  EXPECT_EQ(run_cached(second, store, digests_), 0);
  EXPECT_EQ(second.runs, 0);
}

TEST_F(RunCachedTest, AnotherMachinesResultIsServedFromTheRemote) {
  std::string remote = (scratch_.path() / "remote").string();
  Store a(config_, dir_remote(remote));
  FakeJob first = job();
  run_cached(first, a, digests_);
  ASSERT_TRUE(flush_uploads(a.layout(), 10));
  fs::remove(out_dir_ + "/lib.out");

  Config other = config_at("other-store");
  Store b(other, dir_remote(remote));
  FakeJob second = job();
  EXPECT_EQ(run_cached(second, b, digests_), 0);
  EXPECT_EQ(second.runs, 0);
  EXPECT_EQ(output(), "built\n");
  EXPECT_EQ(counter(other, "remote_hits"), 1);
}

// A producer that holds the input key's lock too long: the waiter gives up, counts it and runs the
// tool itself.
TEST_F(RunCachedTest, ALockHeldPastTheTimeoutIsCountedAndTheToolRuns) {
  Store store(config_, std::nullopt);
  SingleFlight holder(store.layout(), std::string(64, '1'));
  ASSERT_TRUE(holder.try_lock());
  FakeJob waiting = job();
  EXPECT_EQ(run_cached(waiting, store, digests_), 0);
  EXPECT_EQ(waiting.runs, 1);
  EXPECT_EQ(counter(config_, "single_flight_waits"), 1);
  EXPECT_EQ(counter(config_, "errors.single_flight_timeout"), 1);
}

TEST_F(RunCachedTest, AManifestPointingOutsideTheStoreIsIgnored) {
  Store store(config_, std::nullopt);
  FakeJob first = job();
  run_cached(first, store, digests_);
  repoint_manifest(store, "../../../../etc/passwd");
  fs::remove(out_dir_ + "/lib.out");

  FakeJob second = job();
  EXPECT_EQ(run_cached(second, store, digests_), 0);
  EXPECT_EQ(second.runs, 1);
  EXPECT_EQ(counter(config_, "errors.invalid_key"), 1);
}

// A manifest re-pointed at an intact entry of another unit: not served.
TEST_F(RunCachedTest, AnotherUnitsEntryIsNotServed) {
  Store store(config_, std::nullopt);
  FakeJob other(out_dir_, "cd '" + out_dir_ + "' && echo evil > lib.out", "other");
  lead_manifest_to(store, other);
  expect_compiled(store);
  EXPECT_EQ(counter(config_, "errors.wrong_entry"), 1);
}

// A manifest re-pointed at an intact entry of the same crate and kind holding a file this job never
// writes (a library a build script could plant in the out-dir): nothing of it is written.
TEST_F(RunCachedTest, AnEntryWithAFileTheJobDoesNotWriteIsNotServed) {
  Store store(config_, std::nullopt);
  FakeJob planted(out_dir_, "cd '" + out_dir_ + "' && echo evil > lib.out && echo evil > libplanted.so");
  planted.key_digit = '2';
  planted.outputs.push_back("libplanted.so");
  lead_manifest_to(store, planted);
  fs::remove(out_dir_ + "/libplanted.so");
  expect_compiled(store);
  EXPECT_FALSE(fs::exists(out_dir_ + "/libplanted.so"));
  EXPECT_EQ(counter(config_, "errors.wrong_entry"), 1);
  EXPECT_EQ(counter(config_, "misses"), 3);
  EXPECT_EQ(counter(config_, "hits"), 0);
}

// A concurrent build waiting for this result must find it stored when the lock is released.
TEST_F(RunCachedTest, TheLockIsHeldUntilTheResultIsStored) {
  class CheckingJob : public FakeJob {
   public:
    CheckingJob(FakeJob job, const StoreLayout& layout) : FakeJob(std::move(job)), layout_(layout) {}
    void after_store(const Entry&) override {
      SingleFlight other(layout_, keys().input_key);
      held_while_storing = !other.try_lock();
    }
    bool held_while_storing = false;

   private:
    const StoreLayout& layout_;
  };
  Store store(config_, std::nullopt);
  CheckingJob checking(job(), store.layout());
  EXPECT_EQ(run_cached(checking, store, digests_), 0);
  EXPECT_TRUE(checking.held_while_storing);
}

}  // namespace
}  // namespace cratecache
