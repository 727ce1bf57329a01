#include "store/store.h"

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

RemoteTier remote_tier_of(const Config& config) {
  RemoteTier tier;
  RemoteUrl url = parse_remote_url(config.remote);
  int connect_ms = static_cast<int>(config.remote_connect_timeout_ms);
  int io_ms = static_cast<int>(config.remote_timeout_ms);
  // No object is larger than the store may hold: a bigger reply is refused before its body.
  uint64_t max_object = config.max_size;
  tier.connect = [url, connect_ms, io_ms, max_object] { return open_remote_storage(url, connect_ms, io_ms, max_object); };
  tier.policy = parse_remote_policy(config.remote_policy);
  tier.trusted = TrustedKeys::load(config.trusted_keys);
  if (!config.signing_key.empty()) {
    tier.signer = SigningKey::load(config.signing_key);
    tier.signing_epoch = config.signing_epoch;
    tier.trusted.add(tier.signer->public_key());
  }
  tier.trusted_epoch = config.trusted_epoch;
  tier.require_signature = config.require_signature;
  if (tier.require_signature && tier.trusted.empty()) {
    throw std::invalid_argument("require_signature needs trusted_keys (CRATECACHE_TRUSTED_KEYS)");
  }
  return tier;
}

}  // namespace

std::string signed_object_name(Kind kind, const EntryKey& key) {
  return (kind == Kind::kManifest ? "manifest/" : "entry/") + key.str();
}

std::string remote_object_name(Kind kind, const EntryKey& key) {
  std::string name = kind == Kind::kManifest ? "manifest/" + key.digest() : key.str();
  return sha256_hex("cratecache-remote-v1:" + name);
}

Store Store::open(const Config& config) {
  std::optional<RemoteTier> remote;
  if (!config.remote.empty()) {
    try {
      remote = remote_tier_of(config);
    } catch (const std::exception& e) {
      // A bad remote setting costs the remote tier only: the local one still serves.
      Stats(StoreLayout(config.dir)).add("errors.remote_config");
      warn("remote cache disabled, bad setting: {}", e.what());
    }
  }
  return Store(config, std::move(remote));
}

Store::Store(const Config& config, std::optional<RemoteTier> remote)
    : config_(config),
      local_(StoreLayout(config.dir), config.max_size),
      stats_(local_.layout()),
      remote_(std::move(remote)),
      breaker_(local_.layout().remote_breaker()) {
  if (!config.shared_store.empty() && config.shared_store != config.dir) {
    shared_.emplace(StoreLayout(config.shared_store), config.max_size);
  }
}

bool Store::remote_readable() const {
  return remote_ && remote_->policy != RemotePolicy::WriteOnly && breaker_.allows();
}

bool Store::remote_writable() const {
  return remote_ && remote_->policy != RemotePolicy::ReadOnly && breaker_.allows();
}

std::optional<std::string> Store::remote_get(const std::string& name) {
  if (!remote_readable()) return std::nullopt;
  try {
    auto bytes = remote_->connect()->get(name);
    breaker_.record_success();
    return bytes;
  } catch (const std::exception& e) {
    breaker_.record_failure();
    stats_.add("errors.remote_get");
    warn("remote cache unavailable: {}", e.what());
    return std::nullopt;
  }
}

// A remote object as a reader may use it: its signature checked (or stripped when none is required
// and no key to check it is known), or nullopt.
std::optional<std::string> Store::checked(Kind kind, const EntryKey& key, std::string bytes, bool& verified_by_trusted) {
  if (!remote_->require_signature && (remote_->trusted.empty() || !has_signature(bytes))) return strip_signature(bytes);
  auto verified = remote_->trusted.verify(signed_object_name(kind, key), bytes, remote_->trusted_epoch);
  verified_by_trusted = verified.has_value();
  if (!verified) {
    stats_.add("errors.bad_signature");
    warn("rejected a remote {} without a valid signature of a trusted key", kind == Kind::kEntry ? "entry" : "manifest");
  }
  return verified;
}

std::optional<StoredObject> Store::get(Kind kind, const EntryKey& key, Tiers tiers) {
  std::string path = layout().object(kind, key);
  auto mapped_from = [&](LocalStore& tier) -> std::optional<StoredObject> {
    auto mapped = tier.map(kind, key);
    if (!mapped) return std::nullopt;
    bool own = mapped->owner() == ::geteuid();
    return StoredObject{std::move(mapped), "", tier.layout().object(kind, key), own};
  };
  if (tiers == Tiers::kAll || tiers == Tiers::kLocalOnly) {
    if (auto object = mapped_from(local_)) return object;
  }
  if (shared_ && (tiers == Tiers::kAll || tiers == Tiers::kSharedOnly)) {
    if (auto object = mapped_from(*shared_)) return object;
  }
  if (tiers == Tiers::kLocalOnly || tiers == Tiers::kSharedOnly) return std::nullopt;
  auto bytes = remote_get(remote_object_name(kind, key));
  if (!bytes) return std::nullopt;
  bool signed_by_trusted = false;
  bytes = checked(kind, key, std::move(*bytes), signed_by_trusted);
  if (!bytes) return std::nullopt;
  if (kind == Kind::kEntry) stats_.add("remote_hits");
  StoredObject object{std::nullopt, std::move(*bytes), "", signed_by_trusted};
  // A remote manifest is merged into the local one by its reader; an entry is kept as it is.
  if (kind == Kind::kEntry && !config_.store_read_only()) {
    try {
      local_.put(kind, key, object.owned);
      object.local_path = path;
    } catch (const std::exception& e) {
      warn("could not keep a remote entry locally: {}", e.what());
    }
  }
  return object;
}

void Store::put(Kind kind, const EntryKey& key, const std::string& bytes, Tiers tiers) {
  local_.put(kind, key, bytes);
  if (tiers == Tiers::kLocalOnly || !remote_writable()) return;
  const auto& signer = remote_->signer;
  queued_.emplace_back(remote_object_name(kind, key),
                       signer ? signer->sign(signed_object_name(kind, key), bytes, remote_->signing_epoch) : bytes);
}

void Store::remove(Kind kind, const EntryKey& key) {
  local_.remove(kind, key);
  if (!remote_ || remote_->policy != RemotePolicy::ReadWrite || !breaker_.allows()) return;
  try {
    remote_->connect()->remove(remote_object_name(kind, key));
  } catch (const std::exception&) {
    stats_.add("errors.remote_remove");
  }
}

void Store::upload_queued() {
  if (queued_.empty()) return;
  auto objects = std::move(queued_);
  queued_.clear();
  // The shared lock is taken before forking, so flush_uploads can never miss this upload.
  int lock = ::open(layout().uploads_lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
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
    auto remote = remote_->connect();
    for (const auto& [name, data] : objects) remote->put(name, data);
    breaker_.record_success();
    stats_.add("remote_uploads");
  } catch (const std::exception&) {
    breaker_.record_failure();
    stats_.add("errors.remote_put");
  }
  ::_exit(0);
}

bool flush_uploads(const StoreLayout& layout, int timeout_seconds) {
  int fd = ::open(layout.uploads_lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
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
