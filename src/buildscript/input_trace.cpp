#include "buildscript/input_trace.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "util/fs.h"
#include "util/lines.h"

namespace cratecache {
namespace {

constexpr const char* kLibrary = "libcratecache-trace.so";

bool under(const std::string& path, const std::string& dir) {
  return !dir.empty() && path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         (dir.back() == '/' || path[dir.size()] == '/');
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

std::vector<std::string> InputTrace::inputs(const std::vector<std::string>& skip) const {
  std::set<std::string> read;
  std::set<std::string> written;
  std::string text = try_read_file(file_).value_or("");
  for_each_line(text, [&](std::string_view line) {
    if (line.size() < 3 || line[1] != ' ' || line[2] != '/') return;
    (line[0] == 'w' ? written : read).emplace(line.substr(2));
  });
  int64_t started_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(started_.time_since_epoch()).count();
  std::vector<std::string> out;
  for (const auto& path : read) {
    if (written.count(path)) continue;
    bool skipped = false;
    for (const auto& dir : skip) skipped = skipped || under(path, dir);
    if (skipped) continue;
    auto st = stat_file(path);
    // Gone (a temporary file) or made during the run: an output, not an input.
    if (!st || !S_ISREG(st->mode) || st->mtime_ns >= started_ns) continue;
    out.push_back(path);
  }
  return out;
}

}  // namespace cratecache
