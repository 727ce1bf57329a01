#include "key/manifest.h"

#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>

#include "key/content_digest.h"
#include "key/package_tree.h"
#include "util/beneath.h"
#include "util/process.h"

namespace cratecache {
namespace {

using nlohmann::json;

// A path lookup's name, recorded where a path would be (no root's token: never rewritten).
constexpr std::string_view kPathLookup = "@@CRATECACHE:PATH-LOOKUP@@/";

std::string found_on_path(const std::string& name, StatCache& digests) {
  auto found = find_in_path(name);
  if (!found) return kAbsent;
  char resolved[PATH_MAX];
  return digests.digest(::realpath(found->c_str(), resolved) ? resolved : *found);
}

// Whether the input, as `st` shows it now (nullopt: nothing there), is still `f`; its content is
// read at `read_path`.
bool content_matches(const ManifestFile& f, const std::optional<FileStat>& st, const std::string& read_path,
                     StatCache& digests) {
  if (!st) return f.digest == kAbsent;
  if (f.digest == kAbsent) return false;
  bool is_file = S_ISREG(st->mode);
  // Only a regular file is read, only a directory recorded as one is listed: a FIFO, device or
  // socket (or a directory where a file was) is a mismatch, never opened.
  if (!is_file && !(S_ISDIR(st->mode) && is_tree_digest(f.digest))) return false;
  if (is_file && st->size != f.stat.size) return false;
  if (is_file && st->mtime_ns == f.stat.mtime_ns && st->ctime_ns == f.stat.ctime_ns && st->inode == f.stat.inode) {
    return true;
  }
  // Same content at another path or after a touch (a fresh project's OUT_DIR) still matches.
  try {
    if (is_file) return sha256_file(read_path) == f.digest;
    return content_digest(read_path, [&digests](const std::string& p) { return digests.digest(p); }) == f.digest;
  } catch (const std::exception&) {
    return false;
  }
}

// What is at `path` now, beneath the first of `roots` it lies in and through no link: nullopt
// with `absent` set when nothing is there, with it clear when the path is refused.
std::optional<DirFd> open_confined(const std::string& path, const InputRoots& roots, bool& absent) {
  absent = false;
  auto beneath = roots.locate(path);
  if (beneath.empty()) return std::nullopt;
  DirFd fd(open_path_beneath(beneath[0].root, beneath[0].relative));
  if (fd.get() >= 0) return fd;
  absent = errno == ENOENT || errno == ENOTDIR;
  return std::nullopt;
}

// A regular file is read through its descriptor, so what was checked is what is read; a
// directory (a recorded tree) is listed by path.
bool confined_file_matches(const ManifestFile& f, const std::string& path, const InputRoots& roots,
                           StatCache& digests) {
  bool absent = false;
  auto fd = open_confined(path, roots, absent);
  if (!fd) return absent && f.digest == kAbsent && !f.tree_snapshot;
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return false;
  if (f.tree_snapshot) return S_ISDIR(st.st_mode) && package_tree_matches(path, {f.digest, *f.tree_snapshot}, digests);
  std::string read_path = S_ISREG(st.st_mode) ? "/proc/self/fd/" + std::to_string(fd->get()) : path;
  return content_matches(f, file_stat_of(st), read_path, digests);
}

// A PATH lookup is of a bare program name: one with a `/` would be a path (find_in_path).
bool is_program_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos;
}

bool file_matches(const ManifestFile& f, const PathNormaliser& normaliser, const std::optional<InputRoots>& confined,
                  StatCache& digests) {
  if (f.path.starts_with(kPathLookup)) {
    std::string name = f.path.substr(kPathLookup.size());
    if (!is_program_name(name)) return false;
    try {
      return found_on_path(name, digests) == f.digest;
    } catch (const std::exception&) {
      return false;
    }
  }
  std::string path = normaliser.restore(f.path);
  if (confined) return confined_file_matches(f, path, *confined, digests);
  if (f.tree_snapshot) return package_tree_matches(path, {f.digest, *f.tree_snapshot}, digests);
  return content_matches(f, stat_file(path), path, digests);
}

// Recorded values are normalised (OUT_DIR and other project paths are placeholders).
bool env_matches(const EnvDep& e, const PathNormaliser& normaliser, const EnvLookup& env) {
  const char* value = env(e.name.c_str());
  if (!e.value) return value == nullptr;
  return value && *e.value == normaliser.normalise(value);
}

// The first input of `c` that differs from now: an env-dep (index < env.size()) or a file.
std::optional<size_t> first_mismatch(const ManifestCandidate& c, const PathNormaliser& normaliser,
                                     const std::optional<InputRoots>& confined, const EnvLookup& env,
                                     StatCache& digests) {
  for (size_t i = 0; i < c.env.size(); ++i) {
    if (!env_matches(c.env[i], normaliser, env)) return i;
  }
  for (size_t i = 0; i < c.files.size(); ++i) {
    if (!file_matches(c.files[i], normaliser, confined, digests)) return c.env.size() + i;
  }
  return std::nullopt;
}

std::string describe_mismatch(const ManifestCandidate& c, size_t index, const PathNormaliser& normaliser,
                              const std::optional<InputRoots>& confined) {
  if (index < c.env.size()) return "env " + c.env[index].name + " changed";
  const ManifestFile& f = c.files[index - c.env.size()];
  if (f.tree_snapshot) return "package tree " + f.path + " changed";
  if (f.path.starts_with(kPathLookup)) return "program " + f.path.substr(kPathLookup.size()) + " on PATH changed";
  std::string path = normaliser.restore(f.path);
  bool exists_now = false;
  if (confined) {
    bool absent = false;
    if (!open_confined(path, *confined, absent) && !absent) return "file " + f.path + " is a link or not beneath a root";
    exists_now = !absent;
  } else {
    exists_now = stat_file(path).has_value();
  }
  if (f.digest == kAbsent) return "file " + f.path + " appeared";
  return "file " + f.path + (exists_now ? " changed" : " vanished");
}

}  // namespace

ManifestFile describe_input(const std::string& path, std::string normalised_path) {
  ManifestFile f;
  f.path = std::move(normalised_path);
  auto st = stat_file(path);
  if (st) f.stat = *st;
  f.digest = content_digest(path);
  return f;
}

ManifestFile describe_path_lookup(const std::string& name, StatCache& digests) {
  ManifestFile f;
  f.path = std::string(kPathLookup) + name;
  f.digest = found_on_path(name, digests);
  return f;
}

std::optional<ManifestFile> describe_package_input(const std::string& dir, std::string normalised_path,
                                                   StatCache& digests) {
  auto tree = describe_package_tree(dir, digests);
  if (!tree) return std::nullopt;
  ManifestFile f;
  f.path = std::move(normalised_path);
  f.digest = std::move(tree->digest);
  f.tree_snapshot = std::move(tree->snapshot);
  return f;
}

Manifest Manifest::parse(const std::string& text) {
  Manifest m;
  try {
    json doc = json::parse(text);
    for (const auto& c : doc.at("candidates")) {
      ManifestCandidate cand;
      cand.result_key = c.at("key");
      for (const auto& f : c.at("files")) {
        ManifestFile mf;
        mf.path = f.at(0);
        mf.stat.size = f.at(1);
        mf.stat.mtime_ns = f.at(2);
        mf.stat.ctime_ns = f.at(3);
        mf.stat.inode = f.at(4);
        mf.digest = f.at(5);
        if (f.size() > 6) mf.tree_snapshot = f.at(6).get<std::string>();
        cand.files.push_back(std::move(mf));
      }
      for (const auto& e : c.at("env")) {
        EnvDep dep{e.at(0), std::nullopt};
        if (!e.at(1).is_null()) dep.value = e.at(1).get<std::string>();
        cand.env.push_back(std::move(dep));
      }
      m.candidates_.push_back(std::move(cand));
    }
    m.description_.name = doc.value("crate", "");
    m.description_.kind = doc.value("kind", "");
    for (const auto& i : doc.value("inputs", json::array())) m.description_.inputs.push_back({i.at(0), i.at(1)});
  } catch (const std::exception&) {
    m.candidates_.clear();
  }
  return m;
}

std::string Manifest::serialize() const {
  json cands = json::array();
  for (const auto& c : candidates_) {
    json files = json::array();
    for (const auto& f : c.files) {
      json file = json::array({f.path, f.stat.size, f.stat.mtime_ns, f.stat.ctime_ns, f.stat.inode, f.digest});
      if (f.tree_snapshot) file.push_back(*f.tree_snapshot);
      files.push_back(std::move(file));
    }
    json env = json::array();
    for (const auto& e : c.env) env.push_back(json::array({e.name, e.value ? json(*e.value) : json(nullptr)}));
    cands.push_back({{"key", c.result_key}, {"files", files}, {"env", env}});
  }
  json inputs = json::array();
  for (const auto& i : description_.inputs) inputs.push_back(json::array({i.label, i.value}));
  json doc{{"candidates", cands}, {"crate", description_.name}, {"kind", description_.kind}, {"inputs", inputs}};
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<std::string> Manifest::result_keys() const {
  std::vector<std::string> keys;
  for (const auto& c : candidates_) keys.push_back(c.result_key);
  return keys;
}

void Manifest::merge(const Manifest& other) {
  if (description_.name.empty()) description_ = other.description_;
  for (const auto& c : other.candidates_) {
    bool known = false;
    for (const auto& mine : candidates_) known = known || mine.result_key == c.result_key;
    if (!known && candidates_.size() < kMaxCandidates) candidates_.push_back(c);
  }
}

std::optional<std::string> Manifest::match(const PathNormaliser& normaliser, const EnvLookup& env,
                                           StatCache& digests) const {
  for (const auto& c : candidates_) {
    if (!first_mismatch(c, normaliser, confined_, env, digests)) return c.result_key;
  }
  return std::nullopt;
}

std::vector<std::string> Manifest::mismatches(const PathNormaliser& normaliser, const EnvLookup& env,
                                              StatCache& digests) const {
  std::vector<std::string> out;
  for (const auto& c : candidates_) {
    auto index = first_mismatch(c, normaliser, confined_, env, digests);
    out.push_back(index ? describe_mismatch(c, *index, normaliser, confined_) : "matches now");
  }
  return out;
}

void Manifest::confine(InputRoots roots, const PathNormaliser& normaliser) {
  std::erase_if(candidates_, [&](const ManifestCandidate& c) {
    return std::any_of(c.files.begin(), c.files.end(), [&](const ManifestFile& f) {
      return !f.path.starts_with(kPathLookup) && roots.locate(normaliser.restore(f.path)).empty();
    });
  });
  confined_ = std::move(roots);
}

void Manifest::add(ManifestCandidate candidate) {
  std::erase_if(candidates_, [&](const ManifestCandidate& c) { return c.result_key == candidate.result_key; });
  candidates_.insert(candidates_.begin(), std::move(candidate));
  if (candidates_.size() > kMaxCandidates) candidates_.resize(kMaxCandidates);
}

}  // namespace cratecache
