#include "store/request_spool.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <cstring>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <stdexcept>

#include "util/beneath.h"
#include "util/digest.h"

namespace cratecache {
namespace {

using json = nlohmann::json;

constexpr mode_t kBoxMode = 01733;
constexpr int64_t kStaleTemporarySeconds = 3600;

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string serialize(const BuildRequest& r) {
  return json{{"dependencies", r.dependencies},
              {"lockfile", r.lockfile},
              {"toolchain", r.toolchain},
              {"profile", r.profile},
              {"target", r.target}}
      .dump();
}

// A profile or target names a directory and a command-line value on the builder's side.
bool is_plain_name(const std::string& s, size_t max) {
  return s.size() <= max && std::all_of(s.begin(), s.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '-' || c == '_' || c == '.';
         }) && s.find("..") == std::string::npos;
}

BuildRequest parse_request(const std::string& bytes) {
  json j = json::parse(bytes);
  if (!j.is_object()) throw std::runtime_error("not an object");
  auto field = [&](const char* name) {
    if (!j.contains(name)) return std::string();
    if (!j[name].is_string()) throw std::runtime_error(std::string(name) + " is not a string");
    return j[name].get<std::string>();
  };
  BuildRequest r{field("dependencies"), field("lockfile"), field("toolchain"), field("profile"), field("target")};
  if (r.dependencies.empty()) throw std::runtime_error("no dependency tables");
  if (!is_plain_name(r.profile, 64)) throw std::runtime_error("a profile that is not a plain name");
  if (!is_plain_name(r.target, 128)) throw std::runtime_error("a target that is not a triple");
  if (!is_plain_name(r.toolchain, 128)) throw std::runtime_error("a toolchain that is not a release");
  return r;
}

// "<uid>-<32 hex of the content's SHA-256>.request"
struct RequestName {
  uid_t sender;
  std::string digest;
};

std::optional<RequestName> parse_name(const std::string& name) {
  static const std::regex pattern("^([0-9]{1,10})-([0-9a-f]{32})\\.request$");
  std::smatch m;
  if (!std::regex_match(name, m, pattern)) return std::nullopt;
  unsigned long uid = std::stoul(m[1].str());
  if (uid > 0xFFFFFFFEul) return std::nullopt;
  return RequestName{static_cast<uid_t>(uid), m[2].str()};
}

std::string request_name(uid_t sender, const std::string& bytes) {
  return std::to_string(sender) + "-" + sha256_hex(bytes).substr(0, 32) + ".request";
}

// The box, opened without following a link, if it is what its owner made. O_PATH: a sender may
// not read the box, only create in it.
DirFd open_box(const StoreLayout& layout, uid_t owner) {
  DirFd box(::open(layout.requests_dir().c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (box.get() < 0) return box;
  struct stat st {};
  if (::fstat(box.get(), &st) != 0 || st.st_uid != owner || (st.st_mode & 07777) != kBoxMode) return DirFd();
  return box;
}

}  // namespace

bool submit_request(const StoreLayout& layout, const BuildRequest& request) {
  struct stat store {};
  if (::stat(layout.dir().c_str(), &store) != 0) return false;
  DirFd box = open_box(layout, store.st_uid);
  if (box.get() < 0) return false;
  std::string bytes = serialize(request);
  uid_t self = ::geteuid();
  std::string name = request_name(self, bytes);
  struct stat existing {};
  if (::fstatat(box.get(), name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0) return true;
  // Written aside and renamed, so the owner never reads half a request.
  uint64_t nonce = 0;
  if (::getrandom(&nonce, sizeof nonce, 0) != sizeof nonce) throw std::runtime_error("getrandom failed");
  std::string temporary = "." + std::to_string(self) + "-" + std::to_string(nonce) + ".tmp";
  int fd = ::openat(box.get(), temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(std::string("cannot write a build request: ") + std::strerror(errno));
  bool written = ::fchmod(fd, 0644) == 0 && ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  ::close(fd);
  if (!written || ::renameat(box.get(), temporary.c_str(), box.get(), name.c_str()) != 0) {
    int err = errno;
    ::unlinkat(box.get(), temporary.c_str(), 0);
    throw std::runtime_error(std::string("cannot write a build request: ") + std::strerror(err));
  }
  return true;
}

void create_request_box(const StoreLayout& layout) {
  const std::string& path = layout.requests_dir();
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    throw std::runtime_error(errno_text("cannot create " + path));
  }
  DirFd box(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (box.get() < 0 || ::fstat(box.get(), &st) != 0 || st.st_uid != ::geteuid()) {
    throw std::runtime_error(path + " is not a directory of this user's");
  }
  // chmod, not mkdir's mode: the umask would take the others' bits away.
  if ((st.st_mode & 07777) != kBoxMode && ::fchmod(box.get(), kBoxMode) != 0) {
    throw std::runtime_error(errno_text("cannot make " + path + " a drop box"));
  }
}

DrainResult drain_requests(const StoreLayout& layout, size_t per_sender) {
  DirFd box = open_box(layout, ::geteuid());
  if (box.get() < 0) throw std::runtime_error(layout.requests_dir() + " is not a drop box of this user's (mode 1733)");
  auto listing = names_in(box.get());
  if (!listing) throw std::runtime_error(errno_text("cannot list " + layout.requests_dir()));

  struct Pending {
    std::string file;
    RequestName name;
    int64_t mtime_ns;
  };
  std::map<uid_t, std::vector<Pending>> by_sender;
  DrainResult result;
  auto refuse = [&](const std::string& file, const std::string& why) {
    ::unlinkat(box.get(), file.c_str(), 0);
    result.refused.push_back(file.substr(0, 80) + ": " + why);
  };
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (const std::string& file : *listing) {
    struct stat st {};
    if (::fstatat(box.get(), file.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (file.front() == '.' && file.size() > 4 && file.compare(file.size() - 4, 4, ".tmp") == 0) {
      // A sender that died between writing and renaming.
      if (now - st.st_mtime > kStaleTemporarySeconds) ::unlinkat(box.get(), file.c_str(), 0);
      continue;
    }
    auto name = parse_name(file);
    if (!name) {
      refuse(file, "not a request's name");
      continue;
    }
    by_sender[name->sender].push_back({file, *name, st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec});
  }

  std::vector<std::pair<int64_t, DrainedRequest>> taken;
  std::set<std::string> seen;
  for (auto& [sender, pending] : by_sender) {
    std::sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) { return a.mtime_ns < b.mtime_ns; });
    size_t count = 0;
    for (const auto& p : pending) {
      if (count == per_sender) {
        ++result.deferred;
        continue;
      }
      ++count;
      try {
        std::string bytes = read_file_of(box.get(), p.file, sender, "the user its name says", kMaxRequestBytes);
        if (sha256_hex(bytes).substr(0, 32) != p.name.digest) throw std::runtime_error("content does not match its name");
        BuildRequest request = parse_request(bytes);
        ::unlinkat(box.get(), p.file.c_str(), 0);
        if (seen.insert(sha256_hex(serialize(request))).second) taken.push_back({p.mtime_ns, {std::move(request), sender}});
      } catch (const std::exception& e) {
        refuse(p.file, e.what());
      }
    }
  }
  std::sort(taken.begin(), taken.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& t : taken) result.taken.push_back(std::move(t.second));
  return result;
}

}  // namespace cratecache
