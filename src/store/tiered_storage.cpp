#include "store/tiered_storage.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "store/remote/remote_plugin.h"
#include "util/digest.h"
#include "util/log.h"

namespace cratecache {
namespace {

std::string uploads_lock_path(const std::string& dir) { return dir + "/uploads.lock"; }

}  // namespace

std::string remote_object_name(const std::string& key) { return sha256_hex("cratecache-remote-v1:" + key); }

TieredStorage::TieredStorage(const Config& config)
    : config_(config),
      local_(config.dir, config.max_size),
      stats_(config.dir),
      breaker_(config.dir + "/remote.breaker") {
  if (config.remote.empty()) return;
  // A bad remote setting costs the remote tier only: the local one still serves, and it is counted.
  try {
    url_ = parse_remote_url(config.remote);
    policy_ = parse_remote_policy(config.remote_policy);
    if (!config.signing_key.empty()) signer_ = EntrySignature::from_key_file(config.signing_key);
    if (config.require_signature && !signer_) {
      throw std::invalid_argument("require_signature needs signing_key (CRATECACHE_SIGNING_KEY)");
    }
  } catch (const std::exception& e) {
    url_.reset();
    stats_.add("errors.remote_config");
    warn("remote cache disabled, bad setting: {}", e.what());
  }
}

bool TieredStorage::remote_readable() const {
  return url_ && policy_ != RemotePolicy::WriteOnly && breaker_.allows();
}

bool TieredStorage::remote_writable() const {
  return url_ && policy_ != RemotePolicy::ReadOnly && breaker_.allows();
}

std::unique_ptr<Storage> TieredStorage::open_remote() const {
  return open_remote_storage(*url_, static_cast<int>(config_.remote_connect_timeout_ms),
                             static_cast<int>(config_.remote_timeout_ms));
}

std::optional<std::string> TieredStorage::remote_get(const std::string& name) {
  if (!remote_readable()) return std::nullopt;
  try {
    auto bytes = open_remote()->get(name);
    breaker_.record_success();
    return bytes;
  } catch (const std::exception& e) {
    breaker_.record_failure();
    stats_.add("errors.remote_get");
    warn("remote cache unavailable: {}", e.what());
    return std::nullopt;
  }
}

std::optional<FetchedEntry> TieredStorage::get(const std::string& key, bool local_only) {
  if (!LocalStore::is_valid_key(key)) {
    stats_.add("errors.invalid_key");
    warn("ignoring a manifest's result key that is not an entry key: {}", key.substr(0, 100));
    return std::nullopt;
  }
  if (auto mapped = local_.map(key)) return FetchedEntry{std::move(mapped), ""};
  if (local_only) return std::nullopt;
  auto bytes = fetch_remote(key);
  if (!bytes) return std::nullopt;
  return FetchedEntry{std::nullopt, std::move(*bytes)};
}

// A remote hit, checked (signature) and written back to the local tier.
std::optional<std::string> TieredStorage::fetch_remote(const std::string& key) {
  auto bytes = remote_get(remote_object_name(key));
  if (!bytes) return std::nullopt;
  if (signer_ && (config_.require_signature || has_signature(*bytes))) {
    auto verified = signer_->verify(*bytes);
    if (!verified) {
      stats_.add("errors.bad_signature");
      warn("rejected a remote entry with a missing or wrong signature");
      return std::nullopt;
    }
    bytes = std::move(verified);
  } else {
    bytes = strip_signature(*bytes);
  }
  stats_.add("remote_hits");
  if (config_.store_read_only()) return bytes;
  try {
    local_.put(key, *bytes);
  } catch (const std::exception& e) {
    warn("could not keep a remote entry locally: {}", e.what());
  }
  return bytes;
}

std::optional<std::string> TieredStorage::get_remote_manifest(const std::string& input_key) {
  return remote_get(remote_object_name("manifest/" + input_key));
}

void TieredStorage::put_with_manifest(const std::string& key, const std::string& bytes, const std::string& input_key,
                                      const std::string& manifest) {
  local_.put(key, bytes);
  if (!remote_writable()) return;
  // The entry first: a reader that finds the manifest then finds the entry.
  upload_in_background({{remote_object_name(key), signer_ ? signer_->sign(bytes) : bytes},
                        {remote_object_name("manifest/" + input_key), manifest}});
}

void TieredStorage::remove(const std::string& key) {
  local_.remove(key);
  if (!url_ || policy_ != RemotePolicy::ReadWrite || !breaker_.allows()) return;
  try {
    open_remote()->remove(remote_object_name(key));
  } catch (const std::exception& e) {
    stats_.add("errors.remote_remove");
  }
}

void TieredStorage::upload_in_background(std::vector<std::pair<std::string, std::string>> objects) {
  // The shared lock is taken before forking, so flush_uploads can never miss this upload.
  int lock = ::open(uploads_lock_path(config_.dir).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock >= 0) ::flock(lock, LOCK_SH);
  pid_t pid = ::fork();
  if (pid < 0) {
    if (lock >= 0) ::close(lock);
    stats_.add("errors.remote_put");
    return;
  }
  if (pid > 0) {
    if (lock >= 0) ::close(lock);  // the child's copy keeps the lock
    return;
  }
  // Child: detach from Cargo's pipes and jobserver and from any single-flight lock, then upload.
  ::setsid();
  int devnull = ::open("/dev/null", O_RDWR);
  for (int fd = 0; fd <= 2; ++fd) ::dup2(devnull, fd);
  if (lock < 0) {
    ::close_range(3, ~0U, 0);
  } else {
    if (lock > 3) ::close_range(3, static_cast<unsigned>(lock - 1), 0);
    ::close_range(static_cast<unsigned>(lock + 1), ~0U, 0);
  }
  try {
    auto remote = open_remote();
    for (const auto& [name, data] : objects) remote->put(name, data);
    breaker_.record_success();
    stats_.add("remote_uploads");
  } catch (const std::exception&) {
    breaker_.record_failure();
    stats_.add("errors.remote_put");
  }
  ::_exit(0);
}

bool flush_uploads(const std::string& dir, int timeout_seconds) {
  int fd = ::open(uploads_lock_path(dir).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return true;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool done = false;
  while (!(done = ::flock(fd, LOCK_EX | LOCK_NB) == 0) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::close(fd);
  return done;
}

}  // namespace cratecache
