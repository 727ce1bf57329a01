#include "cli/stats_command.h"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "store/local_store.h"
#include "store/stats.h"
#include "util/units.h"

namespace cratecache {
namespace {

using nlohmann::json;

json stats_document(const Config& config) {
  StoreLayout layout(config.dir);
  auto totals = Stats(layout).totals();
  // From the counters: no walk of the store.
  StoreContents contents = LocalStore(layout, config.max_size).contents();
  json doc = {{"hits", 0},        {"misses", 0},          {"not_cached", json::object()},
              {"errors", json::object()}, {"hits_by_kind", json::object()}, {"misses_by_kind", json::object()},
              {"single_flight_waits", 0}, {"remote_hits", 0}, {"remote_uploads", 0}, {"cloned_bytes", 0},
              {"entries", contents.entries.entries}, {"bytes", contents.entries.bytes},
              {"manifest_bytes", contents.manifest_bytes}, {"max_size", config.max_size},
              {"evicted", 0},     {"time_saved_s", 0.0},  {"cache_dir", config.dir},
              {"read_only", config.store_read_only()}};
  json toolchains = json::array();
  for (const auto& t : contents.toolchains) {
    toolchains.push_back({{"id", t.id}, {"release", t.release}, {"entries", t.usage.entries},
                          {"bytes", t.usage.bytes}, {"last_used", t.last_used}});
  }
  doc["toolchains"] = toolchains;
  for (const auto& [name, value] : totals) {
    auto dot = name.find('.');
    std::string group = name.substr(0, dot);
    if (name == "time_saved_ms") {
      doc["time_saved_s"] = static_cast<double>(value) / 1000.0;
    } else if (dot != std::string::npos && (group == "not_cached" || group == "errors")) {
      doc[group][name.substr(dot + 1)] = value;
    } else if (dot != std::string::npos && group == "hits") {
      doc["hits_by_kind"][name.substr(dot + 1)] = value;
    } else if (dot != std::string::npos && group == "misses") {
      doc["misses_by_kind"][name.substr(dot + 1)] = value;
    } else if (name == "hits" || name == "misses" || name == "evicted" || name == "single_flight_waits" ||
               name == "remote_hits" || name == "remote_uploads" || name == "cloned_bytes") {
      doc[name] = value;
    }
  }
  return doc;
}

}  // namespace

int print_stats(const Config& config, bool as_json) {
  json doc = stats_document(config);
  if (as_json) {
    fmt::print("{}\n", doc.dump(2));
    return 0;
  }
  int64_t hits = doc["hits"], misses = doc["misses"];
  int64_t lookups = hits + misses;
  fmt::print("Cache directory        {}\n", config.dir);
  if (config.store_read_only()) fmt::print("Read-only              yes: builds are served, nothing is stored\n");
  fmt::print("Hits                   {}\n", hits);
  for (auto& [kind, n] : doc["hits_by_kind"].items()) fmt::print("  {:<20} {}\n", kind, n.get<int64_t>());
  fmt::print("Misses                 {}\n", misses);
  fmt::print("Hit rate               {:.1f} %\n", lookups ? 100.0 * static_cast<double>(hits) / static_cast<double>(lookups) : 0.0);
  fmt::print("Not cached\n");
  for (auto& [reason, n] : doc["not_cached"].items()) fmt::print("  {:<20} {}\n", reason, n.get<int64_t>());
  if (!doc["errors"].empty()) {
    fmt::print("Errors (warnings during build-script runs are in {})\n", StoreLayout(config.dir).warnings_log());
    for (auto& [kind, n] : doc["errors"].items()) fmt::print("  {:<20} {}\n", kind, n.get<int64_t>());
  }
  fmt::print("Entries                {}\n", doc["entries"].get<uint64_t>());
  fmt::print("Size                   {} of {}\n", human_bytes(doc["bytes"]), human_bytes(config.max_size));
  fmt::print("Time saved             {:.1f} s\n", doc["time_saved_s"].get<double>());
  // Outputs a hit shares with the store's entries (a filesystem with reflinks): not written.
  if (doc["cloned_bytes"] > 0) fmt::print("Served by clones       {}\n", human_bytes(doc["cloned_bytes"]));
  if (!doc["toolchains"].empty()) fmt::print("Per toolchain\n");
  for (const auto& t : doc["toolchains"]) {
    fmt::print("  {:<36} {:>6} entries  {}\n", t["release"].get<std::string>().empty() ? t["id"].get<std::string>()
                                                                                        : t["release"].get<std::string>(),
               t["entries"].get<uint64_t>(), human_bytes(t["bytes"]));
  }
  return 0;
}

int zero_stats(const Config& config) {
  Stats(StoreLayout(config.dir)).zero();
  fmt::print("Statistics zeroed.\n");
  return 0;
}

}  // namespace cratecache
