#include "cli/explain_command.h"

#include <fmt/core.h>

#include <ctime>
#include <filesystem>
#include <optional>

#include "key/manifest.h"
#include "job/miss_record.h"

namespace cratecache {
namespace {

constexpr size_t kListed = 30;

std::string local_time(int64_t t) {
  char when[32];
  std::time_t tt = static_cast<std::time_t>(t);
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::localtime(&tt));
  return when;
}

std::string joined(const std::vector<std::string>& values) {
  if (values.empty()) return "(none)";
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

struct Nearest {
  std::string input_key;
  std::vector<InputDifference> differences;
};

// The stored input key of the same unit that differs from the record in the fewest inputs. A walk
// of the manifests: explain is a diagnosis, not on any build's path.
std::optional<Nearest> nearest_stored(const Config& config, const MissRecord& r) {
  std::optional<Nearest> best;
  std::error_code ec;
  const std::string crate_field = "\"crate\":\"" + r.name + "\"";
  for (std::filesystem::recursive_directory_iterator it(StoreLayout(config.dir).manifests_dir(), ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() != ".json" || it->path().stem() == r.input_key) continue;
    auto text = try_read_file(it->path().string());
    if (!text || text->find(crate_field) == std::string::npos) continue;
    Manifest m = Manifest::parse(*text);
    if (m.description().name != r.name || m.description().kind != r.kind) continue;
    auto differences = diff_inputs(r.inputs, m.description().inputs);
    if (!best || differences.size() < best->differences.size()) {
      best = Nearest{it->path().stem().string(), std::move(differences)};
    }
  }
  return best;
}

// One line: why the unit missed.
std::string summary(const Config& config, const MissRecord& r) {
  if (!r.mismatches.empty()) return r.mismatches.front();
  auto nearest = nearest_stored(config, r);
  if (!nearest) return "never stored before";
  std::vector<std::string> labels;
  for (const auto& d : nearest->differences) labels.push_back(d.label);
  return "new input key; nearest stored one differs in " + joined(labels);
}

void print_full(const Config& config, const MissRecord& r) {
  fmt::print("{} ({}) missed at {}, input key {}\n", r.name, r.kind, local_time(r.time), r.input_key);
  fmt::print("  key inputs:\n");
  for (const auto& i : r.inputs) fmt::print("    {}: {}\n", i.label, i.value);
  if (!r.mismatches.empty()) {
    fmt::print("  the store knew this input key; none of its {} stored result(s) matched:\n", r.mismatches.size());
    for (size_t i = 0; i < r.mismatches.size(); ++i) fmt::print("    result {}: {}\n", i + 1, r.mismatches[i]);
    return;
  }
  auto nearest = nearest_stored(config, r);
  if (!nearest) {
    fmt::print("  the store holds no other {} ({}) to compare with\n", r.name, r.kind);
    return;
  }
  fmt::print("  new input key; the nearest stored one ({}) differs in {} input(s):\n", nearest->input_key,
             nearest->differences.size());
  for (const auto& d : nearest->differences) {
    fmt::print("    {}: now {}; stored {}\n", d.label, joined(d.now), joined(d.stored));
  }
}

}  // namespace

int explain_misses(const Config& config, const std::string& name) {
  auto records = read_miss_records(StoreLayout(config.dir));
  if (name.empty()) {
    if (records.empty()) fmt::print("No misses recorded in {}.\n", config.dir);
    for (size_t i = 0; i < records.size() && i < kListed; ++i) {
      const auto& r = records[i];
      fmt::print("{}  {} ({}): {}\n", local_time(r.time), r.name, r.kind, summary(config, r));
    }
    return 0;
  }
  bool found = false;
  for (const auto& r : records) {
    if (r.name != name) continue;
    print_full(config, r);
    found = true;
  }
  if (!found) {
    fmt::print(stderr, "cratecache: no miss of {} recorded in {}\n", name, config.dir);
    return 1;
  }
  return 0;
}

}  // namespace cratecache
