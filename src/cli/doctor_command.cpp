#include "cli/doctor_command.h"

#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "store/layout.h"
#include "store/remote/object_signature.h"
#include "store/remote/remote_config.h"
#include "util/fs.h"

namespace cratecache {
namespace {

constexpr const char* kSetups = "docs/remote.md#setups";

std::string octal(uint32_t mode) { return fmt::format("{:04o}", mode & 07777); }

// "group", "others" or "group and others": whose bits of `mode` among `group_bits`/`other_bits` are set.
std::string whom(uint32_t mode, uint32_t group_bits, uint32_t other_bits) {
  bool group = (mode & group_bits) != 0, others = (mode & other_bits) != 0;
  return group && others ? "group and others" : group ? "group" : "others";
}

// The bits of a path inside the store that count: group's and others' only where the store dir
// lets them in (a 0777 dir in a 0700 store is no one else's to use).
uint32_t reachable_mode(uint32_t store_mode, uint32_t mode) {
  uint32_t mask = 0700;
  if (store_mode & 0010) mask |= 0070;
  if (store_mode & 0001) mask |= 0007;
  return mode & mask;
}

Finding problem(std::string line) { return {true, std::move(line)}; }
Finding note(std::string line) { return {false, std::move(line)}; }

// What a bad key or URL costs: the remote tier, when there is one (Store::open).
std::string remote_cost(const DoctorInput& in) {
  return in.config.remote.empty() ? "" : ", so the remote tier is disabled";
}

// A tier this user reads and others may have written: a remote, or a store that is not theirs.
// A local store of another user's is protected by who can write it (check_store_writers), not by
// signatures: only a remote tier needs them.
std::string shared_tier(const DoctorInput& in) { return in.config.remote.empty() ? "" : "the remote tier"; }

// Paths, URLs and settings may come from a config.toml others wrote: no control character reaches
// the terminal.
void print_finding(Finding f) {
  for (char& ch : f.line) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';
  }
  fmt::print("{}: {}\n", f.problem ? "problem" : "note", f.line);
}

}  // namespace

Findings check_store_writers(const DoctorInput& in) {
  const std::string& dir = in.config.dir;
  auto store = stat_file(dir);
  if (!store) return {};  // made by the first build, with this user's umask
  Findings out;
  if (store->uid != in.uid && ::access(dir.c_str(), W_OK) == 0) {
    out.push_back(problem(fmt::format(
        "{} ({}) is a shared writable store: it is uid {}'s (mode {}) and you can write it, so any user "
        "who can write it changes what others receive; unsafe for tenants: give each user a private store and read "
        "the builder's read-only ({})",
        dir, in.store_setting, store->uid, octal(store->mode), kSetups)));
  } else if (store->mode & 022) {
    out.push_back(problem(fmt::format(
        "{} ({}) is writable by {} (mode {}): any of them changes what this store's users receive; "
        "unsafe for tenants: chmod go-w {} ({})",
        dir, in.store_setting, whom(store->mode, 020, 002), octal(store->mode), dir, kSetups)));
  }
  StoreLayout layout(dir);
  for (const std::string& path :
       {layout.entries_dir(), layout.manifests_dir(), layout.locks_dir(), layout.stat_dir(), layout.stats_dir(),
        layout.events_dir(), layout.explain_dir(), layout.toolchains_dir(), layout.warm_dir(), layout.config_file(),
        layout.project_db(), layout.warnings_log(), layout.cleanup_lock(), layout.uploads_lock(),
        layout.remote_breaker()}) {
    auto st = stat_file(path);
    if (!st) continue;
    uint32_t mode = reachable_mode(store->mode, st->mode);
    if (st->uid != store->uid && st->uid != 0) {
      out.push_back(problem(fmt::format(
          "{} is uid {}'s, not the store owner's (uid {}): that user can change what the store serves or how it "
          "is used; chown {} {}",
          path, st->uid, store->uid, store->uid, path)));
    } else if (mode & 022) {
      out.push_back(problem(fmt::format(
          "{} is writable by {} (mode {}): any of them changes what the store serves or how it is used; chmod go-w {}",
          path, whom(mode, 020, 002), octal(st->mode), path)));
    }
  }
  if (store->uid == in.uid && (store->mode & 0005) == 0005 && (store->mode & 022) == 0 &&
      !in.config.signing_key.empty()) {
    out.push_back(note(fmt::format(
        "{} is yours and others read it (a published store): builds of tenants' code must not run as uid {} (they "
        "could change it); only `cratecache warm --build-user NAME` should ({})",
        dir, in.uid, kSetups)));
  }
  return out;
}

Findings check_disclosure(const DoctorInput& in) {
  auto store = stat_file(in.config.dir);
  if (!store) return {};
  StoreLayout layout(in.config.dir);
  Findings out;
  for (const auto& [path, what] : {std::pair{layout.warm_dir(),
                                             "warm's work (projects' dependency tables, "
                                             "private registry names)"},
                                   std::pair{layout.events_dir(), "the event log (every unit built)"},
                                   std::pair{layout.explain_dir(), "the miss records (paths and dependencies)"}}) {
    auto st = stat_file(path);
    if (!st) continue;
    uint32_t mode = reachable_mode(store->mode, st->mode);
    if (mode & 055) {
      out.push_back(problem(fmt::format("{} can be read by {} (mode {}): it holds {}; chmod 700 {}", path,
                                        whom(mode, 050, 005), octal(st->mode), what, path)));
    }
  }
  return out;
}

Findings check_requests_dir(const DoctorInput& in) {
  auto store = stat_file(in.config.dir);
  std::string path = StoreLayout(in.config.dir).requests_dir();
  struct stat st {};
  if (!store || ::lstat(path.c_str(), &st) != 0) return {};
  std::string is;
  if (S_ISLNK(st.st_mode)) {
    is = "a symlink";
  } else if (!S_ISDIR(st.st_mode)) {
    is = "not a directory";
  } else if (st.st_uid != store->uid || (st.st_mode & 07777) != 01733) {
    is = fmt::format("uid {}'s, mode {}", st.st_uid, octal(st.st_mode));
  } else {
    return {};
  }
  return {problem(fmt::format(
      "{} is {}: the requests drop box must be a directory of the store's owner (uid {}) with mode 1733, so tenants "
      "can drop requests but not list, read or remove others'; chown {} {} && chmod 1733 {}",
      path, is, store->uid, store->uid, path, path))};
}

Findings check_signing_key(const DoctorInput& in) {
  const std::string& path = in.config.signing_key;
  if (path.empty()) return {};
  Findings out;
  if (!in.store_file.signing_key.empty()) {
    out.push_back(problem(fmt::format(
        "signing_key is set in {}, which every build using this store reads (their build scripts and proc-macros "
        "find the key there): remove it and give CRATECACHE_SIGNING_KEY only to the trusted `cratecache warm` job",
        StoreLayout(in.config.dir).config_file())));
  }
  auto st = stat_file(path);
  if (!st) {
    out.push_back(problem(fmt::format(
        "signing key {} (CRATECACHE_SIGNING_KEY / signing_key): {}: nothing is signed{}; fix the path or run "
        "`cratecache keygen {}`",
        path, std::strerror(errno), remote_cost(in), path)));
    return out;
  }
  try {
    SigningKey::load(path);
  } catch (const std::exception& e) {
    out.push_back(problem(fmt::format("signing key (CRATECACHE_SIGNING_KEY / signing_key): {}: nothing is signed{}",
                                      e.what(), remote_cost(in))));
  }
  if (st->uid != in.uid) {
    out.push_back(problem(
        fmt::format("signing key {} is uid {}'s, not yours (uid {}): its owner can read or replace it; chown {} {}",
                    path, st->uid, in.uid, in.uid, path)));
  }
  if (st->mode & 077) {
    out.push_back(problem(fmt::format("signing key {} is open to {} (mode {}): they can sign anything; chmod 600 {}",
                                      path, whom(st->mode, 070, 007), octal(st->mode), path)));
  }
  if (::access(path.c_str(), R_OK) == 0) {
    out.push_back(note(fmt::format(
        "signing key {} is readable by uid {}, so by any build running as it (build scripts, proc-macros): only "
        "`cratecache warm`, which drops the key for its builds, should run with it ({})",
        path, in.uid, kSetups)));
  }
  return out;
}

Findings check_trusted_keys(const DoctorInput& in) {
  const Config& c = in.config;
  Findings out;
  if (c.require_signature && c.trusted_keys.empty() && c.signing_key.empty()) {
    out.push_back(problem(fmt::format(
        "require_signature is on and trusted_keys (CRATECACHE_TRUSTED_KEYS) is empty: every shared object is a "
        "miss{}; set trusted_keys to the builder's PATH.pub",
        remote_cost(in))));
  }
  for (const std::string& key : c.trusted_keys) {
    try {
      TrustedKeys::load({key});
    } catch (const std::exception& e) {
      out.push_back(problem(fmt::format(
          "trusted key (CRATECACHE_TRUSTED_KEYS / trusted_keys): {}: no signature is checked with it{}; fix the "
          "path or drop it from the list",
          e.what(), remote_cost(in))));
      continue;
    }
    if (auto st = stat_file(key); st && (st->mode & 022)) {
      out.push_back(problem(fmt::format(
          "trusted key {} is writable by {} (mode {}): any of them can put their own key in its place; chmod go-w {}",
          key, whom(st->mode, 020, 002), octal(st->mode), key)));
    }
  }
  if (std::string tier = shared_tier(in); !tier.empty() && !c.require_signature) {
    out.push_back(problem(fmt::format(
        "require_signature is off: what {} serves is taken unsigned, and anyone who can write it changes what you "
        "receive; set require_signature = true and trusted_keys to the builder's PATH.pub ({})",
        tier, kSetups)));
  }
  return out;
}

Findings check_remote(const DoctorInput& in) {
  const Config& c = in.config;
  if (c.remote.empty()) return {};
  Findings out;
  try {
    parse_remote_url(c.remote);
  } catch (const std::exception& e) {
    out.push_back(
        problem(fmt::format("remote (CRATECACHE_REMOTE / remote): {}: the remote tier is disabled", e.what())));
  }
  RemotePolicy policy = RemotePolicy::ReadWrite;
  try {
    policy = parse_remote_policy(c.remote_policy);
  } catch (const std::exception& e) {
    out.push_back(
        problem(fmt::format("remote_policy (CRATECACHE_REMOTE_POLICY): {}: the remote tier is disabled", e.what())));
    return out;
  }
  if (policy != RemotePolicy::ReadOnly && c.signing_key.empty() && (c.require_signature || !c.trusted_keys.empty())) {
    out.push_back(problem(fmt::format(
        "remote_policy is {} and you hold no signing key while you check signatures: you write, unsigned, a tier "
        "others read; a tenant's is remote_policy = \"read-only\" (CRATECACHE_REMOTE_POLICY=read-only) ({})",
        c.remote_policy.empty() ? "read-write (the default)" : c.remote_policy, kSetups)));
  }
  return out;
}

Findings run_doctor_checks(const DoctorInput& in) {
  Findings out;
  for (auto check : {check_store_writers, check_disclosure, check_requests_dir, check_signing_key, check_trusted_keys,
                     check_remote}) {
    for (Finding& f : check(in)) out.push_back(std::move(f));
  }
  // The shared store serves this user's builds too: the same checks of who can write it.
  if (!in.config.shared_store.empty()) {
    DoctorInput shared = in;
    shared.config.dir = in.config.shared_store;
    shared.store_setting = "CRATECACHE_SHARED_STORE";
    for (auto check : {check_store_writers, check_disclosure, check_requests_dir}) {
      for (Finding& f : check(shared)) out.push_back(std::move(f));
    }
  }
  return out;
}

int run_doctor() {
  DoctorInput in;
  in.uid = ::geteuid();
  try {
    in.config = Config::load_from_environment();
    // config.toml alone: the store dir passed on, nothing else from the environment.
    std::string dir = in.config.dir;
    in.store_file = Config::load(
        [&](const char* name) { return std::string_view(name) == "CRATECACHE_DIR" ? dir.c_str() : nullptr; });
  } catch (const std::exception& e) {
    print_finding(problem(fmt::format("a setting: {}: builds run uncached; fix it (docs/config.md)", e.what())));
    return 1;
  }
  bool failed = false;
  for (Finding& f : run_doctor_checks(in)) {
    print_finding(f);
    failed = failed || f.problem;
  }
  if (!failed) {
    fmt::print("ok: store {} (owners, modes, requests drop box), signing key, trusted keys and remote checked\n",
               in.config.dir);
  }
  return failed ? 1 : 0;
}

}  // namespace cratecache
