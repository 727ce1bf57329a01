#include "manager/warm_sandbox.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string_view>

extern char** environ;

#include "key/build_env.h"
#include "key/unit_key.h"
#include "util/fs.h"

namespace cratecache {
namespace {

std::string parent_cargo_home() {
  if (const char* home = std::getenv("CARGO_HOME"); home && *home) return home;
  return home_dir() + "/.cargo";
}

void make_dir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  }
  if (::chmod(path.c_str(), mode) != 0) throw std::runtime_error("cannot chmod " + path + ": " + std::strerror(errno));
}

// What a build needs from warm's own environment; nothing that could be a secret.
constexpr const char* kPassedVariables[] = {"PATH", "LANG", "LC_ALL", "TZ", "RUSTUP_HOME", "RUSTFLAGS",
                                            "CARGO_ENCODED_RUSTFLAGS", "CARGO_INCREMENTAL"};

}  // namespace

WarmSandbox::WarmSandbox(const StoreLayout& published, std::optional<UserIdentity> build_user)
    : work_(published.warm_dir() + "/" + std::to_string(::getpid())),
      published_dir_(published.dir()),
      build_user_(std::move(build_user)) {
  if (build_user_ && ::geteuid() != 0) throw std::runtime_error("--build-user needs warm to run as root");
  make_dirs(published.dir());
  // Others may pass through warm/ to a build user's job dirs, never list it: the stubs hold
  // tenants' dependency tables.
  make_dir(published.warm_dir(), build_user_ ? 0711 : 0700);
  make_dir(work_, build_user_ ? 0711 : 0700);
  for (const char* dir : {"/scratch", "/scratch/toolchains", "/home", "/cargo-home"}) make_dir(work_ + dir, 0700);
  // The builds find the toolchain records the parent made (no re-hash of the toolchain).
  std::error_code ec;
  for (const auto& record : std::filesystem::directory_iterator(published.toolchains_dir(), ec)) {
    if (!record.is_regular_file(ec) || record.is_symlink(ec)) continue;
    std::filesystem::copy_file(record.path(), work_ + "/scratch/toolchains/" + record.path().filename().string(), ec);
  }
  for (const char* config : {"config.toml", "config"}) {
    if (auto text = try_read_file(parent_cargo_home() + "/" + config)) write_file_atomic(work_ + "/cargo-home/" + config, *text);
  }
  write_file_atomic(unit_log(), "", 0600);
  for (const char* mine : {"/scratch", "/home", "/cargo-home"}) hand_over(work_ + mine);
  hand_over(unit_log());
}

uid_t WarmSandbox::producer() const { return build_user_ ? build_user_->uid : ::geteuid(); }

void WarmSandbox::hand_over(const std::string& dir) const {
  if (!build_user_) return;
  auto give = [&](const std::string& path) {
    if (::lchown(path.c_str(), build_user_->uid, build_user_->gid) != 0) {
      throw std::runtime_error("cannot give " + path + " to " + build_user_->name + ": " + std::strerror(errno));
    }
  };
  give(dir);
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) give(e.path().string());
}

std::vector<std::pair<std::string, std::string>> WarmSandbox::environment(
    const std::vector<std::pair<std::string, std::string>>& extra) const {
  std::vector<std::pair<std::string, std::string>> env;
  for (const char* name : kPassedVariables) {
    if (const char* value = std::getenv(name)) env.emplace_back(name, value);
  }
  // And what enters keys (CC, CFLAGS, LIBRARY_PATH, PKG_CONFIG_PATH, ...): the builds' keys are
  // then the ones tenants' builds in the same environment make.
  for (char** var = environ; *var; ++var) {
    std::string_view entry(*var);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name(entry.substr(0, eq));
    if (is_keyed_env_var(name, true) || is_keyed_build_env_var(name)) env.emplace_back(name, entry.substr(eq + 1));
  }
  // The builds' HOME is their own: rustup's proxies still find warm's toolchains.
  if (!std::getenv("RUSTUP_HOME") && stat_file(home_dir() + "/.rustup")) env.emplace_back("RUSTUP_HOME", home_dir() + "/.rustup");
  env.insert(env.end(), {{"HOME", work_ + "/home"},
                         {"CARGO_HOME", work_ + "/cargo-home"},
                         {"CRATECACHE_DIR", scratch_dir()},
                         {"CRATECACHE_SHARED_STORE", published_dir_},
                         {"CRATECACHE_LOG", unit_log()},
                         // The parent compresses what it publishes.
                         {"CRATECACHE_COMPRESSION", "none"}});
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

void WarmSandbox::end_leftover_processes() const {
  if (!build_user_) return;
  // kill(-1) as the build user reaches exactly its processes; a few rounds for a forking one.
  for (int round = 0; round < 3; ++round) {
    pid_t pid = ::fork();
    if (pid < 0) return;
    if (pid == 0) {
      if (::setgid(build_user_->gid) != 0 || ::setuid(build_user_->uid) != 0) ::_exit(1);
      ::_exit(::kill(-1, SIGKILL) == 0 ? 0 : 2);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return;  // none left (ESRCH)
  }
}

}  // namespace cratecache
