#include "util/process.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "util/split.h"

extern char** environ;

namespace cratecache {
namespace {

std::vector<char*> make_argv(const std::string& program, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 2);
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return argv;
}

void write_fully(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;  // Our own stdout closed: keep capturing, the child's result still counts.
    data += n;
    size -= static_cast<size_t>(n);
  }
}

pid_t spawn_with_pipes(const std::string& program, const std::vector<std::string>& args, int out_pipe[2],
                       int err_pipe[2]) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (out_pipe) {
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  }
  if (err_pipe) {
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
  }
  auto argv = make_argv(program, args);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot run " + program + ": " + std::strerror(rc));
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 127;
  }
  return exit_code_of(status);
}

// The child's environment: only `env` when isolated, else ours with `env` over it.
std::vector<std::string> child_environment(const std::vector<std::pair<std::string, std::string>>& env,
                                           bool clear) {
  std::vector<std::string> out;
  if (!clear) {
    for (char** var = environ; *var; ++var) out.emplace_back(*var);
  }
  for (const auto& [name, value] : env) {
    std::string prefix = name + "=";
    std::erase_if(out, [&](const std::string& e) { return e.starts_with(prefix); });
    out.push_back(prefix + value);
  }
  return out;
}

std::optional<std::string> search_path(const std::string& name, std::string_view path) {
  if (name.find('/') != std::string::npos) return name;
  while (true) {
    auto colon = path.find(':');
    std::string dir(path.substr(0, colon));
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111)) return candidate;
    if (colon == std::string_view::npos) return std::nullopt;
    path.remove_prefix(colon + 1);
  }
}

// A file descriptor closed when it goes out of scope.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

TeeResult run_tee(const std::string& program, const std::vector<std::string>& args) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    throw std::runtime_error("pipe failed");
  }
  pid_t pid;
  try {
    pid = spawn_with_pipes(program, args, out_pipe, err_pipe);
  } catch (...) {
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
    throw;
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  TeeResult result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  const int targets[2] = {STDOUT_FILENO, STDERR_FILENO};
  int open_count = 2;
  char buf[1 << 16];
  while (open_count > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
        continue;
      }
      write_fully(targets[i], buf, static_cast<size_t>(n));
      sinks[i]->append(buf, static_cast<size_t>(n));
    }
  }
  for (auto& p : fds) {
    if (p.fd >= 0) ::close(p.fd);
  }
  result.exit_code = wait_for(pid);
  return result;
}

std::optional<std::string> run_capture(const std::string& program, const std::vector<std::string>& args) {
  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return std::nullopt;
  pid_t pid;
  try {
    pid = spawn_with_pipes(program, args, out_pipe, nullptr);
  } catch (...) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return std::nullopt;
  }
  ::close(out_pipe[1]);
  std::string out;
  char buf[1 << 14];
  for (;;) {
    ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(out_pipe[0]);
  if (wait_for(pid) != 0) return std::nullopt;
  return out;
}

UserIdentity lookup_user(const std::string& name) {
  errno = 0;
  const passwd* pw = ::getpwnam(name.c_str());
  if (!pw) throw std::runtime_error("no user " + name);
  UserIdentity user{name, pw->pw_uid, pw->pw_gid, {}};
  int count = 64;
  user.groups.resize(static_cast<size_t>(count));
  if (::getgrouplist(name.c_str(), pw->pw_gid, user.groups.data(), &count) < 0) {
    user.groups.resize(static_cast<size_t>(count));
    ::getgrouplist(name.c_str(), pw->pw_gid, user.groups.data(), &count);
  }
  user.groups.resize(static_cast<size_t>(std::max(count, 0)));
  return user;
}

int spawn_logged(const std::string& program, const std::vector<std::string>& args,
                 const std::vector<std::pair<std::string, std::string>>& env, const std::string& log_path,
                 const SpawnIsolation& isolation) {
  Fd log{::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644)};
  if (log.fd < 0) throw std::runtime_error("cannot open " + log_path + ": " + std::strerror(errno));
  Fd devnull{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
  if (devnull.fd < 0) throw std::runtime_error(std::string("cannot open /dev/null: ") + std::strerror(errno));
  // Everything the child needs is made here, before posix_spawn: the child only execs.
  std::vector<std::string> environment = child_environment(env, isolation.clear_env);
  std::vector<char*> envp;
  std::string_view path_variable;
  for (auto& e : environment) {
    envp.push_back(e.data());
    if (e.starts_with("PATH=")) path_variable = std::string_view(e).substr(5);
  }
  envp.push_back(nullptr);
  // Looked up in the child's PATH, as execvp in the child would.
  auto found = search_path(program, path_variable);
  if (!found) throw std::runtime_error("cannot run " + program + ": not found in PATH");
  auto argv = make_argv(program, args);

  // posix_spawn cannot change the user: it starts this executable's `run-as`, which drops to the
  // user and execs the program (exec_as_user).
  std::vector<std::string> run_as;
  if (const auto& user = isolation.user) {
    std::string groups;
    for (gid_t g : user->groups) groups += (groups.empty() ? "" : ",") + std::to_string(g);
    run_as = {std::string(kRunAs), std::to_string(user->uid), std::to_string(user->gid), groups, *found};
    run_as.insert(run_as.end(), args.begin(), args.end());
    *found = own_executable_path();
    argv = make_argv(*found, run_as);
  }
  pid_t pid = -1;
  // glibc's posix_spawn shares the parent's memory until the exec (clone(CLONE_VM|CLONE_VFORK)):
  // its cost does not grow with the parent's.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, devnull.fd, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, log.fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, log.fd, STDERR_FILENO);
  if (isolation.clear_env) posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  int rc = ::posix_spawn(&pid, found->c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot run " + program + ": " + std::strerror(rc));
  return pid;
}

pid_t fork_detached(int keep_fd) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::setsid();
  int devnull = ::open("/dev/null", O_RDWR);
  for (int fd = 0; fd <= 2; ++fd) ::dup2(devnull, fd);
  if (keep_fd < 3) {
    ::close_range(3, ~0U, 0);
  } else {
    if (keep_fd > 3) ::close_range(3, static_cast<unsigned>(keep_fd - 1), 0);
    ::close_range(static_cast<unsigned>(keep_fd + 1), ~0U, 0);
  }
  return 0;
}

std::pair<int, int> wait_for_children(const std::vector<int>& pids, std::chrono::milliseconds timeout) {
  // A pidfd is readable once its process has ended; poll() then waits for any of them, or the
  // deadline. Without pidfds (Linux before 5.3) poll() just sleeps out the deadline.
  std::vector<pollfd> fds;
  for (int pid : pids) {
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd >= 0) fds.push_back({fd, POLLIN, 0});
  }
  ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));  // EINTR: as a timeout
  for (auto& p : fds) ::close(p.fd);
  for (int pid : pids) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return {pid, exit_code_of(status)};
  }
  return {0, 0};
}

void exec_program(const std::string& program, const std::vector<std::string>& args) {
  auto argv = make_argv(program, args);
  ::execvp(program.c_str(), argv.data());
}

std::optional<std::string> find_in_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  if (!path) return std::nullopt;
  return search_path(name, path);
}

int exec_as_user(const std::vector<std::string>& args) {
  // uid gid groups program args...
  if (args.size() < 4) return 126;
  try {
    auto uid = static_cast<uid_t>(std::stoul(args[0]));
    auto gid = static_cast<gid_t>(std::stoul(args[1]));
    std::vector<gid_t> groups;
    for (const auto& g : split_nonempty(args[2], ',')) groups.push_back(static_cast<gid_t>(std::stoul(g)));
    // Groups, then gid, then uid: after setuid nothing else can be dropped; and a process that can
    // become root again has dropped nothing.
    if (::setgroups(groups.size(), groups.data()) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0 ||
        ::setuid(0) == 0) {
      return 126;
    }
  } catch (const std::exception&) {
    return 126;
  }
  std::vector<std::string> rest(args.begin() + 4, args.end());
  auto argv = make_argv(args[3], rest);
  ::execve(args[3].c_str(), argv.data(), environ);
  return 127;
}

std::string own_executable_path() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("cannot find the cratecache executable");
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace cratecache
