#include "store/stats.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <nlohmann/json.hpp>

#include "util/fs.h"

namespace cratecache {
namespace {

using nlohmann::json;
using Counters = std::map<std::string, int64_t>;

constexpr int kShards = 16;
// Shard 0: the size estimate that drives eviction, and what the store holds (stats.h).
constexpr const char* kStoreSize = "store_size_estimate";
constexpr std::string_view kUsage = "usage.";
constexpr const char* kCounted = "usage.counted";  // the counters below hold all the store does
constexpr const char* kManifestBytes = "usage.manifest_bytes";
constexpr std::string_view kEntriesOf = "usage.entries.";  // + toolchain id
constexpr std::string_view kBytesOf = "usage.bytes.";
// The counters of shard 0 that say what the store holds, which a walk sets.
bool is_store_counter(std::string_view name) { return name == kStoreSize || name.starts_with(kUsage); }
// Anyone who can open a shard, even read-only, can flock it: a build waits this long at most,
// then the update is not counted (counting is best effort).
constexpr auto kLockDeadline = std::chrono::seconds(2);
// Shards are held for microseconds: poll soon, then back off.
constexpr auto kFirstPoll = std::chrono::microseconds(50);
constexpr auto kMaxPoll = std::chrono::milliseconds(10);

// A shard this process already gave up on is tried once more without waiting: a job makes several
// updates, and the deadline is for the process, not for each of them.
bool lock_within_deadline(int fd, int shard) {
  static std::atomic<bool> gave_up[kShards];
  std::chrono::milliseconds wait = gave_up[shard] ? std::chrono::milliseconds(0) : kLockDeadline;
  auto deadline = std::chrono::steady_clock::now() + wait;
  std::chrono::microseconds poll = kFirstPoll;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if ((errno != EWOULDBLOCK && errno != EINTR) || std::chrono::steady_clock::now() >= deadline) {
      gave_up[shard] = true;
      return false;
    }
    std::this_thread::sleep_for(poll);
    poll = std::min<std::chrono::microseconds>(poll * 2, kMaxPoll);
  }
  gave_up[shard] = false;
  return true;
}

std::string shard_path(const std::string& dir, int shard) {
  return dir + "/" + std::to_string(shard) + ".json";
}

Counters parse(const std::string& text) {
  Counters c;
  try {
    json doc = json::parse(text);
    for (auto& [k, v] : doc.items()) c[k] = v.get<int64_t>();
  } catch (const std::exception&) {
    // A damaged shard restarts from zero rather than failing builds.
  }
  return c;
}

// Reads, changes and rewrites one shard while holding its lock; `change` learns whether the shard
// was made just now.
void update_shard(const std::string& dir, int shard, const std::function<void(Counters&, bool)>& change) {
  std::string path = shard_path(dir, shard);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    make_dirs(dir);
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  }
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  if (!lock_within_deadline(fd, shard)) {
    ::close(fd);
    throw std::runtime_error("cannot lock " + path + " (held by another process)");
  }
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  Counters c = parse(text);
  change(c, text.empty());
  // One pwrite over the old text, padded with spaces (JSON whitespace) to at least its length: a
  // process killed here leaves the old or the new counters, never an empty or cut shard.
  std::string out = json(c).dump();
  if (out.size() < text.size()) out.resize(text.size(), ' ');
  bool ok = ::pwrite(fd, out.data(), out.size(), 0) == static_cast<ssize_t>(out.size());
  ::close(fd);  // releases the lock
  if (!ok) throw std::runtime_error("cannot write " + path);
}

}  // namespace

void Stats::add(const std::string& counter, int64_t delta) { add_many({{counter, delta}}); }

void Stats::add_many(const Counters& deltas) {
  try {
    update_shard(dir_, 1 + static_cast<int>(::getpid() % (kShards - 1)), [&](Counters& c, bool) {
      for (const auto& [k, v] : deltas) c[k] += v;
    });
  } catch (const std::exception&) {
    // Not counted; the build is what matters.
  }
}

Counters Stats::totals() const {
  Counters sum;
  for (int s = 0; s < kShards; ++s) {
    auto text = try_read_file(shard_path(dir_, s));
    if (!text) continue;
    for (const auto& [k, v] : parse(*text)) sum[k] += v;
  }
  return sum;
}

void Stats::zero() {
  for (int s = 1; s < kShards; ++s) ::unlink(shard_path(dir_, s).c_str());
}

uint64_t Stats::count_changes(const std::vector<StoreChange>& changes) {
  // Counters of an uncounted store (older than them) hold only the changes since: a removal may
  // take more than they hold.
  auto add = [](int64_t& counter, int64_t delta) { counter = std::max<int64_t>(0, counter + delta); };
  int64_t estimate = 0;
  update_shard(dir_, 0, [&](Counters& c, bool made) {
    // Shard 0 is made by a store's first put (or trim): a store that starts with it counts all.
    if (made) c[kCounted] = 1;
    for (const auto& change : changes) {
      add(c[kStoreSize], change.bytes);
      if (change.toolchain.empty()) {
        add(c[kManifestBytes], change.bytes);
        continue;
      }
      std::string entries = std::string(kEntriesOf) + change.toolchain, bytes = std::string(kBytesOf) + change.toolchain;
      add(c[entries], change.entries);
      add(c[bytes], change.bytes);
      if (c[entries] == 0) {
        c.erase(entries);
        c.erase(bytes);
      }
    }
    estimate = c[kStoreSize];
  });
  return static_cast<uint64_t>(estimate);
}

Stats::Mark Stats::mark() const {
  Mark m;
  auto text = try_read_file(shard_path(dir_, 0));
  for (const auto& [k, v] : parse(text.value_or(""))) {
    if (is_store_counter(k)) m.usage[k] = v;
  }
  return m;
}

void Stats::set_counters(const StoreCounters& walked, const Mark& walk_start) {
  Counters exact;
  int64_t total = static_cast<int64_t>(walked.manifest_bytes);
  for (const auto& [id, e] : walked.toolchains) {
    if (e.count == 0) continue;
    exact[std::string(kEntriesOf) + id] = static_cast<int64_t>(e.count);
    exact[std::string(kBytesOf) + id] = static_cast<int64_t>(e.bytes);
    total += static_cast<int64_t>(e.bytes);
  }
  exact[kManifestBytes] = static_cast<int64_t>(walked.manifest_bytes);
  exact[kStoreSize] = total;
  update_shard(dir_, 0, [&](Counters& c, bool) {
    // Counted since the mark: what is there now less what was there then, for every counter.
    for (const auto& [k, v] : c) {
      if (is_store_counter(k)) exact[k] += v;
    }
    for (const auto& [k, v] : walk_start.usage) exact[k] -= v;
    std::erase_if(c, [](const auto& counter) { return is_store_counter(counter.first); });
    for (const auto& [k, v] : exact) {
      if (k == kCounted) continue;
      std::string_view name = k;
      if (name.starts_with(kEntriesOf)) {
        if (v <= 0) continue;  // a toolchain left without entries is not listed
        std::string bytes = std::string(kBytesOf) + std::string(name.substr(kEntriesOf.size()));
        auto b = exact.find(bytes);
        c[k] = v;
        c[bytes] = b == exact.end() ? 0 : std::max<int64_t>(0, b->second);
      } else if (!name.starts_with(kBytesOf)) {
        c[k] = std::max<int64_t>(0, v);
      }
    }
    c[kCounted] = 1;
  });
}

uint64_t Stats::size_estimate() const {
  auto text = try_read_file(shard_path(dir_, 0));
  Counters c = parse(text.value_or(""));
  return static_cast<uint64_t>(std::max<int64_t>(0, c[kStoreSize]));
}

std::optional<Stats::StoreCounters> Stats::counters() const {
  auto text = try_read_file(shard_path(dir_, 0));
  if (!text) return std::nullopt;
  Counters c = parse(*text);
  if (!c.contains(kCounted)) return std::nullopt;
  StoreCounters out;
  out.manifest_bytes = static_cast<uint64_t>(c[kManifestBytes]);
  for (const auto& [name, value] : c) {
    std::string_view n = name;
    if (n.starts_with(kEntriesOf)) {
      out.toolchains[name.substr(kEntriesOf.size())].count = static_cast<uint64_t>(value);
    } else if (n.starts_with(kBytesOf)) {
      out.toolchains[name.substr(kBytesOf.size())].bytes = static_cast<uint64_t>(value);
    }
  }
  return out;
}

}  // namespace cratecache
