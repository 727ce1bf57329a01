// What a hostile manifest (or a tenant sharing the store) can do to a build reading it: no input
// check blocks or reads what is not a regular file, and no stats lock holds a build.
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iterator>
#include <thread>
#include <vector>

#include "key/content_digest.h"
#include "key/manifest.h"
#include "scratch_dir.h"
#include "store/stats.h"
#include "util/beneath.h"
#include "util/digest.h"
#include "util/fs.h"

namespace cratecache {
namespace {

namespace fs = std::filesystem;

// Notes whether anyone opened the FIFO for reading, and unblocks such a reader (an open that
// blocks until a writer comes): without it, a check that opens the FIFO would hang the test
// instead of failing it.
class FifoWatch {
 public:
  explicit FifoWatch(std::string path) : path_(std::move(path)), thread_([this] { watch(); }) {}
  ~FifoWatch() {
    done_ = true;
    thread_.join();
  }
  bool opened() const { return opened_; }

 private:
  void watch() {
    while (!done_) {
      int fd = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);  // ENXIO while nobody reads
      if (fd >= 0) {
        opened_ = true;
        ::close(fd);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  std::string path_;
  std::atomic<bool> done_{false}, opened_{false};
  std::thread thread_;
};

// A manifest whose one candidate, "tc/r", records `path` as it is now; as read back from the store.
Manifest recording(const std::string& path) {
  ManifestCandidate c;
  c.files.push_back(describe_input(path, path));
  c.result_key = "tc/r";
  Manifest m;
  m.add(c);
  return Manifest::parse(m.serialize());
}

const char* no_env(const char*) { return nullptr; }

TEST(HostileInputs, AFifoWhereAFileWasRecordedIsAMismatchNeverOpened) {
  ScratchDir scratch("fifo-input");
  std::string file = (scratch.path() / "src.rs").string();
  write_file_atomic(file, "fn main() {}");
  Manifest parsed = recording(file);
  PathNormaliser n;
  StatCache digests((scratch.path() / "stat").string());
  ASSERT_EQ(parsed.match(n, no_env, digests).value_or(""), "tc/r");

  fs::remove(file);
  ASSERT_EQ(::mkfifo(file.c_str(), 0644), 0);
  FifoWatch watch(file);
  EXPECT_FALSE(parsed.match(n, no_env, digests));
  EXPECT_FALSE(parsed.mismatches(n, no_env, digests).empty());
  EXPECT_FALSE(watch.opened()) << "the FIFO was opened";
}

TEST(HostileInputs, ADeviceOrADirectoryWhereAFileWasRecordedIsAMismatch) {
  ScratchDir scratch("device-input");
  std::string file = (scratch.path() / "src.rs").string();
  write_file_atomic(file, "fn main() {}");
  Manifest parsed = recording(file);
  PathNormaliser n;
  StatCache digests((scratch.path() / "stat").string());
  fs::remove(file);
  fs::create_symlink("/dev/zero", file);  // read to its end, it never ends
  EXPECT_FALSE(parsed.match(n, no_env, digests));
  fs::remove(file);
  fs::create_directories(file);
  write_file_atomic(file + "/inner", "fn main() {}");
  EXPECT_FALSE(parsed.match(n, no_env, digests));
}

TEST(HostileInputs, ADirectoryRecordedAsOneStillMatches) {
  ScratchDir scratch("dir-input");
  std::string dir = (scratch.path() / "assets").string();
  fs::create_directories(dir);
  write_file_atomic(dir + "/a.txt", "a");
  EXPECT_TRUE(is_tree_digest(describe_input(dir, dir).digest));
  Manifest parsed = recording(dir);
  PathNormaliser n;
  StatCache digests((scratch.path() / "stat").string());
  EXPECT_EQ(parsed.match(n, no_env, digests).value_or(""), "tc/r");
  write_file_atomic(dir + "/a.txt", "b");
  EXPECT_FALSE(parsed.match(n, no_env, digests));
}

TEST(HostileInputs, FileDigestRefusesAFifoWithoutBlocking) {
  ScratchDir scratch("fifo-digest");
  std::string fifo = (scratch.path() / "pipe").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  FifoWatch watch(fifo);  // unblocks a blocking open, which would then digest an empty "file"
  EXPECT_THROW(sha256_file(fifo), std::runtime_error);
  EXPECT_THROW(content_digest(fifo), std::runtime_error);
}

// A manifest no one vouches for, read beneath `root` only.
Manifest confined(Manifest m, const std::string& root) {
  m.confine(InputRoots(root, {root}), PathNormaliser());
  return m;
}

TEST(HostileInputs, AnUnvouchedManifestNamingAFileOutsideTheRootsIsDroppedUnread) {
  ScratchDir scratch("outside-roots");
  std::string root = (scratch.path() / "project").string();
  fs::create_directories(root);
  StatCache digests((scratch.path() / "stat").string());
  PathNormaliser n;
  Manifest passwd = recording("/etc/passwd");
  ASSERT_EQ(passwd.match(n, no_env, digests).value_or(""), "tc/r") << "control: read when vouched for";
  Manifest refused = confined(passwd, root);
  EXPECT_EQ(refused.size(), 0u) << "dropped on reading, before any file is looked at";
  EXPECT_FALSE(refused.match(n, no_env, digests));

  // A FIFO outside the roots is not opened either (it would be refused as a FIFO anyway: the
  // candidate must not get that far).
  std::string fifo = (scratch.path() / "pipe").string();
  write_file_atomic(fifo, "fn main() {}");
  Manifest pipe = recording(fifo);
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  FifoWatch watch(fifo);
  EXPECT_FALSE(confined(pipe, root).match(n, no_env, digests));
  EXPECT_FALSE(watch.opened());
}

TEST(HostileInputs, AnUnvouchedManifestMayNotClimbAboveARoot) {
  ScratchDir scratch("climb-roots");
  std::string root = (scratch.path() / "project").string();
  fs::create_directories(root + "/src");
  write_file_atomic((scratch.path() / "secret").string(), "key");
  write_file_atomic(root + "/src/lib.rs", "fn f() {}");
  StatCache digests((scratch.path() / "stat").string());
  PathNormaliser n;
  Manifest escaping = recording(root + "/src/../../secret");
  ASSERT_EQ(escaping.match(n, no_env, digests).value_or(""), "tc/r") << "control";
  EXPECT_FALSE(confined(escaping, root).match(n, no_env, digests));
  EXPECT_EQ(confined(escaping, root).size(), 0u);
  // A `..` that stays beneath (include_str!("../README.md") in dep-info) is read.
  Manifest inside = recording(root + "/src/../src/lib.rs");
  EXPECT_EQ(confined(inside, root).match(n, no_env, digests).value_or(""), "tc/r");
}

TEST(HostileInputs, AnUnvouchedManifestIsNotReadThroughALink) {
  ScratchDir scratch("link-roots");
  std::string root = (scratch.path() / "project").string();
  std::string outside = (scratch.path() / "outside").string();
  fs::create_directories(root + "/src");
  fs::create_directories(outside);
  write_file_atomic(outside + "/secret", "key");
  write_file_atomic(root + "/src/lib.rs", "fn f() {}");
  fs::create_symlink(outside + "/secret", root + "/src/link.rs");
  fs::create_symlink(outside, root + "/linked-dir");
  StatCache digests((scratch.path() / "stat").string());
  PathNormaliser n;
  for (const std::string& through : {root + "/src/link.rs", root + "/linked-dir/secret"}) {
    Manifest m = recording(through);
    ASSERT_EQ(m.match(n, no_env, digests).value_or(""), "tc/r") << "control: " << through;
    Manifest c = confined(m, root);
    EXPECT_EQ(c.size(), 1u) << "beneath the root by name";
    EXPECT_FALSE(c.match(n, no_env, digests)) << through;
    EXPECT_NE(c.mismatches(n, no_env, digests).at(0).find("is a link"), std::string::npos);
  }
  // A plain file beneath the root, and one recorded absent and still absent, match.
  EXPECT_EQ(confined(recording(root + "/src/lib.rs"), root).match(n, no_env, digests).value_or(""), "tc/r");
  EXPECT_EQ(confined(recording(root + "/src/gone.rs"), root).match(n, no_env, digests).value_or(""), "tc/r");
  // A relative path (a path package's source, relative to rustc's working directory) too.
  Manifest relative;
  ManifestCandidate c;
  c.files.push_back(describe_input(root + "/src/lib.rs", "src/lib.rs"));
  c.result_key = "tc/r";
  relative.add(c);
  EXPECT_EQ(confined(Manifest::parse(relative.serialize()), root).match(n, no_env, digests).value_or(""), "tc/r");
}

TEST(HostileInputs, AFifoBeneathARootIsNotOpened) {
  ScratchDir scratch("fifo-roots");
  std::string root = scratch.path().string();
  std::string file = root + "/src.rs";
  write_file_atomic(file, "fn main() {}");
  Manifest m = confined(recording(file), root);
  PathNormaliser n;
  StatCache digests((scratch.path() / "stat").string());
  fs::remove(file);
  ASSERT_EQ(::mkfifo(file.c_str(), 0644), 0);
  FifoWatch watch(file);
  EXPECT_FALSE(m.match(n, no_env, digests));
  EXPECT_FALSE(watch.opened());
}

// A PATH lookup is of a bare name: one with a `/` would read the file it names.
TEST(HostileInputs, APathLookupOfAPathIsAMismatch) {
  ScratchDir scratch("lookup-path");
  StatCache digests((scratch.path() / "stat").string());
  ManifestCandidate c;
  c.files.push_back({"@@CRATECACHE:PATH-LOOKUP@@//etc/passwd", {}, sha256_file("/etc/passwd"), std::nullopt});
  c.result_key = "tc/r";
  Manifest m;
  m.add(c);
  EXPECT_FALSE(Manifest::parse(m.serialize()).match(PathNormaliser(), no_env, digests));
}

// What open_path_beneath answers for each case, as a string of errno names ("ok" for a descriptor).
std::string beneath_answers(const std::string& root) {
  std::string out;
  for (const char* relative : {"src/lib.rs", "src/../src/lib.rs", "src/link.rs", "linked-dir/secret", "../secret",
                               "src/gone.rs", "src/lib.rs/x", "src/pipe"}) {
    int fd = open_path_beneath(root, relative);
    out += fd >= 0 ? "ok" : errno == ELOOP ? "ELOOP" : errno == EXDEV ? "EXDEV" : errno == ENOENT ? "ENOENT"
                          : errno == ENOTDIR ? "ENOTDIR" : "errno " + std::to_string(errno);
    out += " ";
    if (fd >= 0) ::close(fd);
  }
  return out;
}

// openat2, and the walk a kernel without it gets (a child where seccomp makes openat2 ENOSYS):
// the same answers.
TEST(HostileInputs, OpenPathBeneathWithAndWithoutOpenat2) {
  ScratchDir scratch("open-beneath");
  std::string root = (scratch.path() / "project").string();
  fs::create_directories(root + "/src");
  write_file_atomic((scratch.path() / "secret").string(), "key");
  write_file_atomic(root + "/src/lib.rs", "fn f() {}");
  fs::create_symlink((scratch.path() / "secret").string(), root + "/src/link.rs");
  fs::create_symlink(scratch.path().string(), root + "/linked-dir");
  ASSERT_EQ(::mkfifo((root + "/src/pipe").c_str(), 0644), 0);
  FifoWatch watch(root + "/src/pipe");
  const std::string want = "ok ok ELOOP ELOOP EXDEV ENOENT ENOTDIR ok ";
  EXPECT_EQ(beneath_answers(root), want);

  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program{static_cast<unsigned short>(std::size(filter)), filter};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
      ::_exit(2);
    }
    std::string answers = ::syscall(SYS_openat2, AT_FDCWD, ".", nullptr, 0) < 0 && errno == ENOSYS
                              ? beneath_answers(root)
                              : "openat2 still answers";
    ssize_t written = ::write(pipe_fds[1], answers.data(), answers.size());
    ::_exit(written == static_cast<ssize_t>(answers.size()) ? 0 : 3);
  }
  ::close(pipe_fds[1]);
  std::string answers;
  char buf[256];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) answers.append(buf, static_cast<size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  EXPECT_EQ(answers, want) << "the walk";
  EXPECT_FALSE(watch.opened()) << "the FIFO was opened";
}

TEST(HostileInputs, InputRootsLocateWholeComponentsInnermostFirst) {
  InputRoots roots("/w/app", {"/w/app/target/", "/", "/home/u/.cargo/registry/src"});
  auto found = roots.locate("/w/app/target/debug/build/x/out/gen.rs");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].root, "/w/app/target");
  EXPECT_EQ(found[0].relative, "debug/build/x/out/gen.rs");
  EXPECT_EQ(found[1].root, "/w/app");
  EXPECT_EQ(roots.locate("src/main.rs").at(0).root, "/w/app") << "relative to the base";
  EXPECT_TRUE(roots.locate("/w/application/x").empty());
  EXPECT_TRUE(roots.locate("/etc/passwd").empty()) << "\"/\" is never a root";
  EXPECT_EQ(roots.locate("/w/app/target/../src/a.rs").size(), 1u) << "beneath /w/app only";
  EXPECT_TRUE(roots.locate("/w/app/../other/a.rs").empty());
  // PATH's directories: their entries (a program looked for), nothing deeper.
  roots.add_program_dirs("/usr/bin:.::/opt/tools/bin/");
  ASSERT_EQ(roots.locate("/usr/bin/freebsd-version").size(), 1u);
  EXPECT_EQ(roots.locate("/opt/tools/bin/protoc").at(0).relative, "protoc");
  EXPECT_TRUE(roots.locate("/usr/bin/sub/x").empty());
  EXPECT_TRUE(roots.locate("/usr/bin/..").empty());
  EXPECT_TRUE(roots.locate("/usr/lib/x").empty());
}

TEST(HostileInputs, AHeldStatsShardDoesNotHoldTheBuild) {
  ScratchDir scratch("stats-lock");
  StoreLayout layout(scratch.path().string());
  Stats stats(layout);
  stats.add("hits");
  ASSERT_EQ(stats.totals()["hits"], 1);
  // Another tenant holds every shard (a read-only open is enough for flock).
  std::vector<int> held;
  for (int s = 0; s < 16; ++s) {
    std::string path = layout.stats_dir() + "/" + std::to_string(s) + ".json";
    int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << path;
    ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0) << path;
    held.push_back(fd);
  }
  // The holder lets go after a long while; the update must have given up well before.
  std::atomic<bool> released{false}, returned_while_held{false};
  std::thread holder([&] {
    for (int i = 0; i < 600 && !returned_while_held; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    released = true;
    for (int fd : held) ::close(fd);
  });
  stats.add("hits");
  returned_while_held = !released;
  holder.join();
  EXPECT_TRUE(returned_while_held) << "the update waited for the lock";
  EXPECT_EQ(stats.totals()["hits"], 1) << "an update that gave up is not counted";
  stats.add("hits");
  EXPECT_EQ(stats.totals()["hits"], 2) << "counting goes on once the lock is free";
}

}  // namespace
}  // namespace cratecache
