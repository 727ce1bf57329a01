#pragma once
// Running child processes: rustc on a miss (streamed and captured), probes like `rustc -vV`.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cratecache {

struct TeeResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// Runs `program args...`, forwarding its stdout/stderr to ours as they arrive (Cargo's pipelining
// reads rustc's artifact notices live) while keeping a copy of each. Inherits the environment and
// every fd (Cargo's jobserver). Throws when the program cannot be started.
TeeResult run_tee(const std::string& program, const std::vector<std::string>& args);

// Runs a short probe and returns its stdout when it exits 0.
std::optional<std::string> run_capture(const std::string& program, const std::vector<std::string>& args);

// Another user for a child to run as: uid, gid and supplementary groups.
struct UserIdentity {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};
// The user `name` from the password database; throws std::runtime_error when there is none.
UserIdentity lookup_user(const std::string& name);

struct SpawnIsolation {
  bool clear_env = false;  // the child gets the given variables only, and no fd but 0-2
  std::optional<UserIdentity> user;  // and runs as this user (the caller is root)
};

// Starts `program args...` (looked up in the child's PATH) in the background with extra
// environment variables, stdin on /dev/null and its stdout and stderr appended to `log_path`
// (never through a link); returns the child's pid. Throws when it cannot start. Spawned with
// posix_spawn, for another user through `run-as` (below).
int spawn_logged(const std::string& program, const std::vector<std::string>& args,
                 const std::vector<std::pair<std::string, std::string>>& env, const std::string& log_path,
                 const SpawnIsolation& isolation = {});
// Waits until one of the children `pids` ends, or `timeout` passes: reaps it and returns its pid
// and exit code; pid 0 when none ended in time.
std::pair<int, int> wait_for_children(const std::vector<int>& pids, std::chrono::milliseconds timeout);

// The hidden mode a spawn with a user runs in (this executable, as root): `run-as uid gid
// groups program args...` drops to that user and execs the program with this environment. Returns
// only when it cannot: 126 (the user), 127 (the exec).
inline constexpr std::string_view kRunAs = "run-as";
int exec_as_user(const std::vector<std::string>& args);

// Forks a child that outlives the caller's job: its own session (Cargo's Ctrl-C does not reach
// it), stdin/stdout/stderr on /dev/null and no other fd open but `keep_fd` (-1: none), so it holds
// no pipe Cargo reads to its end, no jobserver token and no single-flight lock. fork() semantics:
// 0 in the child, which must end with _exit; the child's pid in the caller; -1 when it failed.
pid_t fork_detached(int keep_fd = -1);

// Replaces this process with `program args...`; returns only if exec failed.
void exec_program(const std::string& program, const std::vector<std::string>& args);

// Searches PATH like execvp does; returns the name unchanged when it contains a '/'.
std::optional<std::string> find_in_path(const std::string& name);

// Path of the running cratecache executable (beside it: its plugin and trace library).
std::string own_executable_path();

// Maps a wait status to a shell-style exit code (128+signal for a killed child).
int exit_code_of(int wait_status);

}  // namespace cratecache
