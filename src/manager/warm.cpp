#include "manager/warm.h"

#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "key/toolchain.h"
#include "manager/progress.h"
#include "manager/publish.h"
#include "manager/warm_sandbox.h"
#include "store/request_spool.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/lines.h"
#include "util/process.h"

namespace cratecache {
namespace {

// What warm builds, one source at a time: a record's texts are loaded only when its stubs are
// written (ProjectDb::text), a manifest's and requests' are at hand.
struct PlannedSources {
  std::vector<std::string> labels;
  std::vector<std::string> profiles;  // each source's own
  std::function<WarmSource(size_t)> load;
  size_t units_estimate = 0;
};

// One stub project and its build. Its texts are on disk, not here: 10^4 jobs hold a few MB.
struct WarmJob {
  std::string label;
  std::string profile;
  std::string target;
  std::string dir;
  bool has_lockfile = false;
  bool retried_without_lock = false;
  bool failed = false;
};

struct CargoCommand {
  std::string program = "cargo";
  std::vector<std::pair<std::string, std::string>> env;
  std::string rustc;  // the rustc Cargo will run, as it names it to the wrapper
};

// A rustup toolchain name goes through the rustup proxy; a path names rustc (or its toolchain
// dir), and the cargo beside it is used so that cargo and rustc agree on flags. Either way the
// builds get RUSTC, the compiler itself, so warm can identify it before they start.
CargoCommand cargo_for(const std::string& toolchain) {
  CargoCommand c;
  if (toolchain.find('/') == std::string::npos) {
    if (!toolchain.empty()) {
      c.env.emplace_back("RUSTUP_TOOLCHAIN", toolchain);
      ::setenv("RUSTUP_TOOLCHAIN", toolchain.c_str(), 1);
    }
    auto sysroot = run_capture("rustc", {"--print", "sysroot"});
    if (!sysroot) throw std::runtime_error("cannot run rustc" + (toolchain.empty() ? "" : " of toolchain " + toolchain));
    c.rustc = sysroot->substr(0, sysroot->find_last_not_of("\n") + 1) + "/bin/rustc";
  } else {
    c.rustc = absolute_path(toolchain);
    if (auto st = stat_file(c.rustc); st && S_ISDIR(st->mode)) c.rustc += "/bin/rustc";
    if (!stat_file(c.rustc)) throw std::runtime_error("no rustc at " + c.rustc);
    std::string cargo = dirname_of(c.rustc) + "/cargo";
    if (stat_file(cargo)) c.program = cargo;
  }
  c.env.emplace_back("RUSTC", c.rustc);
  return c;
}

// Tallies the warm run's unit log as it grows: hits and real compiles. The builds write it: it is
// read without following a link, from where the last read ended, and only its first 64 MiB.
class UnitLogTally {
 public:
  explicit UnitLogTally(std::string path) : path_(std::move(path)) {}

  void read(WarmCounts& counts) {
    constexpr uint64_t kMax = 64u << 20;
    if (auto grown = read_regular_range(path_, offset_, static_cast<size_t>(kMax - offset_))) {
      offset_ += grown->size();
      partial_ += *grown;
    }
    size_t ended = partial_.rfind('\n');
    if (ended != std::string::npos) {
      for_each_line(std::string_view(partial_).substr(0, ended + 1), [&](std::string_view line) {
        if (line.starts_with("hit\t")) ++hits_;
        if (line.starts_with("miss\t")) ++compiled_;
      });
      partial_.erase(0, ended + 1);
    }
    counts.hits = hits_;
    counts.compiled = compiled_;
  }

 private:
  std::string path_;
  uint64_t offset_ = 0;
  std::string partial_;  // a line not yet ended
  size_t hits_ = 0;
  size_t compiled_ = 0;
};

// Tenants' requests as sources: their dependency tables are cut down again here (a request is
// the tenant's own text, not ours), then to registry packages like every source.
std::vector<WarmSource> sources_from_requests(const StoreLayout& layout, size_t per_sender) {
  create_request_box(layout);
  DrainResult drained = drain_requests(layout, per_sender);
  for (const auto& why : drained.refused) fmt::print(stderr, "cratecache warm: refused a request: {}\n", why);
  if (drained.deferred) fmt::print(stderr, "cratecache warm: {} request(s) over their sender's share left for the next run\n", drained.deferred);
  std::vector<WarmSource> sources;
  for (const auto& [request, sender] : drained.taken) {
    std::string label = fmt::format("request of uid {}", sender);
    try {
      sources.push_back({label, dependency_tables(request.dependencies), request.lockfile, request.profile, request.target, {}});
    } catch (const std::exception& e) {
      fmt::print(stderr, "cratecache warm: {}: refused: {}\n", label, e.what());
    }
  }
  return sources;
}

PlannedSources at_hand(std::vector<WarmSource> sources) {
  PlannedSources plan;
  LockedPackages locked;
  for (const auto& source : sources) {
    plan.labels.push_back(source.label);
    plan.profiles.push_back(source.profile);
    locked.add(source.lockfile);
  }
  plan.units_estimate = locked.count();
  auto shared = std::make_shared<std::vector<WarmSource>>(std::move(sources));
  plan.load = [shared](size_t i) { return std::move((*shared)[i]); };
  return plan;
}

// The records' builds, chosen in SQL; each distinct lockfile is loaded once here, for the
// estimate, and again when its stub is written.
PlannedSources from_records(std::shared_ptr<ProjectDb> db, const RecordFilter& filter) {
  PlannedSources plan;
  auto builds = std::make_shared<std::vector<RecordedBuild>>(recorded_builds(*db, filter));
  LockedPackages locked;
  std::set<std::string> lockfiles;
  for (const auto& build : *builds) {
    plan.labels.push_back(build.label);
    plan.profiles.push_back(build.profile);
    if (lockfiles.insert(build.lockfile_digest).second) locked.add(db->text(build.lockfile_digest));
  }
  plan.units_estimate = locked.count();
  plan.load = [db, builds](size_t i) { return load_recorded(*db, (*builds)[i]); };
  return plan;
}

PlannedSources chosen_sources(const Config& config, const WarmOptions& options) {
  StoreLayout layout(config.dir);
  if (options.from_requests) return at_hand(sources_from_requests(layout, options.requests_per_sender));
  if (!options.manifest.empty()) return at_hand(read_warm_manifest(options.manifest));
  return from_records(std::make_shared<ProjectDb>(layout), options.filter);
}

}  // namespace

int run_warm(const Config& config, const WarmOptions& options) {
  StoreLayout layout(config.dir);
  PlannedSources sources = chosen_sources(config, options);
  if (sources.labels.empty()) {
    fmt::print(stderr, "cratecache: nothing to warm: {}\n",
               options.from_requests ? "no requests"
                                     : "no recorded projects match (build some through cratecache, or pass --manifest)");
    return 0;
  }
  std::optional<UserIdentity> build_user;
  if (!options.build_user.empty()) build_user = lookup_user(options.build_user);
  if (!build_user && !config.signing_key.empty()) {
    fmt::print(stderr, "cratecache warm: its builds run as this user, who can read the signing key {}: run warm as "
                       "root with --build-user\n", config.signing_key);
  }
  CargoCommand cargo = cargo_for(options.toolchain);
  // Identified here, into the published store: tenants' builds find the record, and the builds
  // get a copy of it.
  identify_toolchain(cargo.rustc, layout.toolchains_dir());
  WarmSandbox sandbox(layout, build_user);

  WarmCounts counts;
  size_t profile_count = std::max<size_t>(1, options.profiles.size());
  counts.projects_total = sources.labels.size() * profile_count;
  counts.units_estimate = sources.units_estimate * profile_count;
  Progress progress(::isatty(STDERR_FILENO) != 0);
  UnitLogTally tally(sandbox.unit_log());
  std::string self = own_executable_path();

  // Stubs are written a source at a time, as jobs are about to start: a deque keeps the jobs
  // running and failed where they are.
  std::deque<WarmJob> jobs;
  size_t next_source = 0, next_job = 0;
  size_t built = 0, failed = 0;
  auto fail = [&](WarmJob& job, const std::string& why) {
    job.failed = true;
    ++failed;
    ++counts.projects_done;
    progress.line(fmt::format("failed: {} ({}){}", job.label, job.profile, why));
  };
  auto write_next_stubs = [&]() -> bool {
    while (next_source < sources.labels.size()) {
      size_t i = next_source++;
      std::vector<std::string> profiles = options.profiles.empty() ? std::vector<std::string>{sources.profiles[i]}
                                                                    : options.profiles;
      std::optional<WarmSource> source;
      std::string skipped = "a custom target spec, or unreadable dependency tables";
      try {
        source = registry_packages_only(sources.load(i));
      } catch (const std::exception& e) {
        skipped = e.what();
      }
      if (!source) {
        progress.line(fmt::format("cratecache warm: {}: skipped ({})", sources.labels[i], skipped));
        counts.projects_done += profiles.size();
        continue;
      }
      for (const auto& d : source->dropped) {
        progress.line(fmt::format("cratecache warm: {}: left out {}: warm builds registry packages only", source->label, d));
      }
      if (!options.target.empty()) source->target = options.target;
      for (const auto& profile : profiles) {
        WarmJob job{source->label, profile.empty() ? "dev" : profile, source->target,
                    sandbox.job_dir(fmt::format("p{}-{}", i, profile)), !source->lockfile.empty()};
        jobs.push_back(std::move(job));
        try {
          write_stub_project(jobs.back().dir, *source);
          sandbox.hand_over(jobs.back().dir);
        } catch (const std::exception& e) {
          fail(jobs.back(), std::string(": ") + e.what());
        }
      }
      return true;
    }
    return false;
  };

  std::map<int, WarmJob*> running;
  std::vector<WarmJob*> retry;
  std::error_code ec;
  while (true) {
    while (running.size() < static_cast<size_t>(std::max(1, options.jobs))) {
      WarmJob* job = nullptr;
      if (!retry.empty()) {
        job = retry.back();
        retry.pop_back();
      } else if (next_job < jobs.size() || write_next_stubs()) {
        job = &jobs[next_job++];
        if (job->failed) continue;  // its stub could not be written
      } else {
        break;
      }
      std::vector<std::string> args{"build", "--lib", "--profile", job->profile, "--manifest-path",
                                    job->dir + "/Cargo.toml"};
      if (!job->target.empty()) args.insert(args.end(), {"--target", job->target});
      auto env = cargo.env;
      env.insert(env.end(), {{"RUSTC_WRAPPER", self}, {"CARGO_TARGET_DIR", job->dir + "/target"}});
      try {
        running[spawn_logged(cargo.program, args, sandbox.environment(env), job->dir + "/build.log",
                             sandbox.isolation())] = job;
      } catch (const std::exception& e) {
        fail(*job, std::string(": ") + e.what());
      }
    }
    if (running.empty()) break;
    std::vector<int> pids;
    for (const auto& [pid, job] : running) pids.push_back(pid);
    // The deadline is for the progress bar: the unit log grows while the builds run.
    auto [pid, code] = wait_for_children(pids, std::chrono::milliseconds(500));
    if (pid > 0) {
      WarmJob* job = running[pid];
      running.erase(pid);
      if (code != 0 && job->has_lockfile && !job->retried_without_lock) {
        // An older cargo cannot read a newer Cargo.lock format: let it resolve from its sources.
        job->retried_without_lock = true;
        std::filesystem::remove(job->dir + "/Cargo.lock", ec);
        progress.line(fmt::format("retrying without Cargo.lock: {} ({})", job->label, job->profile));
        retry.push_back(job);
        continue;
      }
      if (code != 0) {
        fail(*job, ", see " + job->dir + "/build.log");
      } else {
        ++built;
        ++counts.projects_done;
        progress.line(fmt::format("built:  {} ({})", job->label, job->profile));
      }
      // Without a build user nothing but warm writes there: the space goes back now. A build
      // user's processes could swap in links while root removes: theirs go after they are ended.
      if (!build_user) std::filesystem::remove_all(job->failed ? job->dir + "/target" : job->dir, ec);
    }
    tally.read(counts);
    progress.update(counts);
  }
  tally.read(counts);
  progress.finish(counts);

  sandbox.end_leftover_processes();
  Store published = Store::open(config);
  PublishCounts publish = publish_scratch(sandbox.scratch_dir(), sandbox.producer(), published);
  for (const auto& why : publish.refused) fmt::print(stderr, "cratecache warm: not published: {}\n", why);

  // Keep the logs of failures for the operator; the rest is scratch.
  for (const auto& job : jobs) std::filesystem::remove_all(job.failed ? job.dir + "/target" : job.dir, ec);
  if (failed == 0) std::filesystem::remove_all(sandbox.work_dir(), ec);
  fmt::print("warm: published {} entries and {} manifests, refused {}\n", publish.entries, publish.manifests,
             publish.refused.size());
  fmt::print("warm: {} project(s) built, {} failed; {} units compiled, {} already cached\n", built, failed,
             counts.compiled, counts.hits);
  return failed == 0 ? 0 : 1;
}

}  // namespace cratecache
