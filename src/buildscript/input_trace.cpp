#include "buildscript/input_trace.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "util/fs.h"
#include "util/lines.h"

namespace cratecache {
namespace {

constexpr const char* kLibrary = "libcratecache-trace.so";
constexpr size_t kMaxInterpreters = 8;        // `#!` chains (and loops) end here
constexpr size_t kMaxScriptBytes = 1 << 20;   // of a shell script scanned for variables

bool under(const std::string& path, const std::string& dir) {
  return !dir.empty() && path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         (dir.back() == '/' || path[dir.size()] == '/');
}

bool under_any(const std::string& path, const std::vector<std::string>& dirs) {
  return std::any_of(dirs.begin(), dirs.end(), [&](const std::string& d) { return under(path, d); });
}

struct TraceLines {
  std::set<std::string> read, written, absent, run, looked_up;
};

TraceLines parse_trace(const std::string& text) {
  TraceLines t;
  for_each_line(text, [&](std::string_view line) {
    if (line.size() < 3 || line[1] != ' ' || line[2] != '/') return;
    std::string path(line.substr(2));
    switch (line[0]) {
      case 'r': t.read.insert(std::move(path)); break;
      case 'w': t.written.insert(std::move(path)); break;
      case 'a': t.absent.insert(std::move(path)); break;
      case 'x': t.run.insert(std::move(path)); break;
      case 'p': t.looked_up.insert(path.substr(1)); break;
      default: break;  // a line of a newer library
    }
  });
  return t;
}

std::string read_prefix(const std::string& path, size_t max) {
  std::ifstream in(path, std::ios::binary);
  std::string data(max, '\0');
  in.read(data.data(), static_cast<std::streamsize>(max));
  data.resize(static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return data;
}

// "#!/usr/bin/env bash -e" is {"/usr/bin/env", "bash"}: the kernel runs the interpreter, not libc,
// so no hook sees it start.
struct Shebang {
  std::string interpreter;
  std::string argument;
};

std::optional<Shebang> shebang_of(const std::string& path) {
  std::string head = read_prefix(path, 256);
  if (!head.starts_with("#!")) return std::nullopt;
  std::string_view line(head);
  line = line.substr(2, line.find('\n') == std::string_view::npos ? line.size() - 2 : line.find('\n') - 2);
  auto word = [&line]() {
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) return std::string();
    size_t end = line.find_first_of(" \t", start);
    std::string w(line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    line = end == std::string_view::npos ? std::string_view() : line.substr(end);
    return w;
  };
  Shebang s;
  s.interpreter = word();
  s.argument = word();
  if (s.interpreter.empty() || s.interpreter[0] != '/') return std::nullopt;
  return s;
}

bool is_shell(const Shebang& s) {
  static const std::set<std::string> shells{"sh", "bash", "dash", "ash", "ksh", "mksh", "zsh"};
  std::string name = basename_of(s.interpreter);
  return shells.count(name) || (name == "env" && shells.count(s.argument));
}

// Variables of the session, not of the build: keying on them would only lose hits.
bool session_variable(const std::string& name) {
  static const std::set<std::string> names{"HOME",   "PWD",   "OLDPWD",   "SHLVL",  "USER",    "LOGNAME",
                                           "TERM",   "SHELL", "TMPDIR",   "IFS",    "PS1",     "PS2",
                                           "PS4",    "RANDOM", "LINENO",  "SECONDS", "UID",    "EUID",
                                           "PPID",   "HOSTNAME", "OPTIND", "OPTARG", "REPLY",  "FUNCNAME",
                                           "PIPESTATUS", "COLUMNS", "LINES"};
  return names.count(name) || name.starts_with("BASH");
}

// The environment variables a shell script refers to ($NAME, ${NAME...}): upper-case names, the
// convention for exported ones (a shim's lower-case locals are not).
void add_script_variables(const std::string& path, std::set<std::string>& env) {
  std::string text = read_prefix(path, kMaxScriptBytes);
  for (size_t i = text.find('$'); i != std::string::npos; i = text.find('$', i + 1)) {
    size_t start = i + 1 + (i + 1 < text.size() && text[i + 1] == '{');
    size_t end = start;
    bool upper = false;
    while (end < text.size()) {
      char c = text[end];
      bool digit = c >= '0' && c <= '9';
      if (!(c == '_' || (c >= 'A' && c <= 'Z') || (digit && end > start))) break;
      upper = upper || c != '_';
      ++end;
    }
    bool lower_follows = end < text.size() && text[end] >= 'a' && text[end] <= 'z';
    if (!upper || lower_follows) continue;
    std::string name = text.substr(start, end - start);
    if (!session_variable(name)) env.insert(std::move(name));
  }
}

}  // namespace

std::optional<InputTrace> InputTrace::start(const std::string& executable_dir) {
  // Beside the binary (a build tree), or where the remote plugin is installed too.
  std::string library = executable_dir + "/" + kLibrary;
  if (!stat_file(library)) library = executable_dir + "/../lib/cratecache/" + kLibrary;
  if (!stat_file(library)) return std::nullopt;
  const char* tmp = std::getenv("TMPDIR");
  std::string file = std::string(tmp && *tmp ? tmp : "/tmp") + "/cratecache-trace-XXXXXX";
  int fd = ::mkstemp(file.data());
  if (fd < 0) return std::nullopt;
  ::close(fd);
  std::optional<std::string> preload;
  if (const char* p = std::getenv("LD_PRELOAD")) preload = p;
  ::setenv("LD_PRELOAD", (preload && !preload->empty() ? library + " " + *preload : library).c_str(), 1);
  ::setenv("CRATECACHE_TRACE", file.c_str(), 1);
  return InputTrace(std::move(file), std::move(preload), std::chrono::system_clock::now());
}

InputTrace::InputTrace(InputTrace&& other) noexcept
    : file_(std::move(other.file_)), preload_before_(std::move(other.preload_before_)), started_(other.started_) {
  other.file_.clear();
}

InputTrace& InputTrace::operator=(InputTrace&& other) noexcept {
  std::swap(file_, other.file_);
  std::swap(preload_before_, other.preload_before_);
  std::swap(started_, other.started_);
  return *this;
}

InputTrace::~InputTrace() {
  if (file_.empty()) return;  // moved from
  ::unlink(file_.c_str());
  ::unsetenv("CRATECACHE_TRACE");
  if (preload_before_) {
    ::setenv("LD_PRELOAD", preload_before_->c_str(), 1);
  } else {
    ::unsetenv("LD_PRELOAD");
  }
}

TracedInputs InputTrace::inputs(const std::vector<std::string>& skip) const {
  TraceLines trace = parse_trace(try_read_file(file_).value_or(""));
  std::set<std::string> env;
  // A script's interpreter ran too; a shell script's variables may choose what it runs next.
  std::vector<std::string> pending(trace.run.begin(), trace.run.end());
  for (size_t interpreters = 0; !pending.empty();) {
    std::string program = std::move(pending.back());
    pending.pop_back();
    auto shebang = shebang_of(program);
    if (!shebang) continue;
    if (is_shell(*shebang)) add_script_variables(program, env);
    if (interpreters++ < kMaxInterpreters && trace.run.insert(shebang->interpreter).second) {
      pending.push_back(shebang->interpreter);
    }
  }

  // A program that failed to start because it is not there is one more absence.
  for (auto it = trace.run.begin(); it != trace.run.end();) {
    if (stat_file(*it)) {
      ++it;
    } else {
      trace.absent.insert(*it);
      it = trace.run.erase(it);
    }
  }

  TracedInputs out;
  int64_t started_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(started_.time_since_epoch()).count();
  std::set<std::string> files = std::move(trace.read);
  files.insert(trace.run.begin(), trace.run.end());
  for (const auto& path : files) {
    if (trace.written.count(path) || under_any(path, skip)) continue;
    auto st = stat_file(path);
    // Gone (a temporary file) or made during the run: an output, not an input.
    if (!st || !S_ISREG(st->mode) || st->mtime_ns >= started_ns) continue;
    out.files.push_back(path);
  }
  for (const auto& path : trace.absent) {
    // There now: made by the run (an output), or the run is racing an install (not keyed).
    if (trace.written.count(path) || under_any(path, skip) || stat_file(path)) continue;
    out.absent.push_back(path);
  }
  out.env.assign(env.begin(), env.end());
  out.path_lookups.assign(trace.looked_up.begin(), trace.looked_up.end());
  return out;
}

}  // namespace cratecache
