#include "manager/warm.h"

#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "util/process.h"
#include "manager/progress.h"
#include "util/fs.h"
#include "util/process.h"

namespace cratecache {
namespace {

struct WarmJob {
  WarmSource source;
  std::string profile;
  std::string dir;
  bool retried_without_lock = false;
};

struct CargoCommand {
  std::string program = "cargo";
  std::vector<std::pair<std::string, std::string>> env;
};

// A rustup toolchain name goes through the rustup proxy; a path names rustc (or its toolchain
// dir), and the cargo beside it is used so that cargo and rustc agree on flags.
CargoCommand cargo_for(const std::string& toolchain) {
  CargoCommand c;
  if (toolchain.empty()) return c;
  if (toolchain.find('/') == std::string::npos) {
    c.env.emplace_back("RUSTUP_TOOLCHAIN", toolchain);
    return c;
  }
  std::string rustc = absolute_path(toolchain);
  if (auto st = stat_file(rustc); st && S_ISDIR(st->mode)) rustc += "/bin/rustc";
  if (!stat_file(rustc)) throw std::runtime_error("no rustc at " + rustc);
  std::string cargo = dirname_of(rustc) + "/cargo";
  if (stat_file(cargo)) c.program = cargo;
  c.env.emplace_back("RUSTC", rustc);
  return c;
}

// Tallies the warm run's unit log: hits and real compiles.
void count_log(const std::string& path, WarmCounts& counts) {
  auto text = try_read_file(path);
  counts.hits = counts.compiled = 0;
  if (!text) return;
  size_t pos = 0;
  while (pos < text->size()) {
    size_t end = text->find('\n', pos);
    if (end == std::string::npos) break;
    std::string_view line(text->data() + pos, end - pos);
    if (line.rfind("hit\t", 0) == 0) ++counts.hits;
    if (line.rfind("miss\t", 0) == 0) ++counts.compiled;
    pos = end + 1;
  }
}

// What warm may build of each source, saying what it leaves out.
std::vector<WarmSource> registry_sources(std::vector<WarmSource> sources) {
  std::vector<WarmSource> kept;
  for (auto& source : sources) {
    std::string label = source.label;
    auto registry_only = registry_packages_only(std::move(source));
    if (!registry_only) {
      fmt::print(stderr, "cratecache warm: {}: skipped (a custom target spec, or unreadable dependency tables)\n", label);
      continue;
    }
    for (const auto& d : registry_only->dropped) {
      fmt::print(stderr, "cratecache warm: {}: left out {}: warm builds registry packages only\n", label, d);
    }
    kept.push_back(std::move(*registry_only));
  }
  return kept;
}

}  // namespace

int run_warm(const Config& config, const WarmOptions& options) {
  std::vector<WarmSource> sources = registry_sources(
      options.manifest.empty() ? sources_from_records(ProjectDb(StoreLayout(config.dir)).list(), options.filter)
                               : read_warm_manifest(options.manifest));
  if (sources.empty()) {
    fmt::print(stderr, "cratecache: nothing to warm: no recorded projects match (build some through cratecache, "
                       "or pass --manifest)\n");
    return 0;
  }
  CargoCommand cargo = cargo_for(options.toolchain);
  std::string work = StoreLayout(config.dir).warm_dir() + "/" + std::to_string(::getpid());
  std::string unit_log = work + "/units.log";
  make_dirs(work);

  std::vector<WarmJob> jobs;
  for (size_t i = 0; i < sources.size(); ++i) {
    std::vector<std::string> profiles = options.profiles.empty() ? std::vector<std::string>{sources[i].profile}
                                                                  : options.profiles;
    for (const auto& profile : profiles) {
      WarmJob job{sources[i], profile.empty() ? "dev" : profile, fmt::format("{}/p{}-{}", work, i, profile)};
      if (!options.target.empty()) job.source.target = options.target;
      write_stub_project(job.dir, job.source);
      jobs.push_back(std::move(job));
    }
  }

  WarmCounts counts;
  counts.projects_total = jobs.size();
  counts.units_estimate = count_locked_packages(sources) * std::max<size_t>(1, options.profiles.size());
  Progress progress(::isatty(STDERR_FILENO) != 0);
  std::string self = own_executable_path();
  std::map<int, WarmJob*> running;
  std::vector<WarmJob*> retry;
  size_t next = 0;
  std::vector<const WarmJob*> failed;
  std::error_code ec;

  while (next < jobs.size() || !running.empty() || !retry.empty()) {
    while ((next < jobs.size() || !retry.empty()) && running.size() < static_cast<size_t>(std::max(1, options.jobs))) {
      WarmJob& job = retry.empty() ? jobs[next++] : *retry.back();
      if (!retry.empty()) retry.pop_back();
      std::vector<std::string> args{"build", "--lib", "--profile", job.profile, "--manifest-path",
                                    job.dir + "/Cargo.toml"};
      if (!job.source.target.empty()) args.insert(args.end(), {"--target", job.source.target});
      auto env = cargo.env;
      env.insert(env.end(), {{"RUSTC_WRAPPER", self},
                             {"CRATECACHE_DIR", config.dir},
                             {"CRATECACHE_LOG", unit_log},
                             {"CARGO_TARGET_DIR", job.dir + "/target"}});
      running[spawn_logged(cargo.program, args, env, job.dir + "/build.log")] = &job;
    }
    auto [pid, code] = wait_any_child(false);
    if (pid > 0 && running.count(pid)) {
      WarmJob* job = running[pid];
      running.erase(pid);
      if (code != 0 && !job->source.lockfile.empty() && !job->retried_without_lock) {
        // An older cargo cannot read a newer Cargo.lock format: let it resolve from its sources.
        job->retried_without_lock = true;
        std::filesystem::remove(job->dir + "/Cargo.lock");
        progress.line(fmt::format("retrying without Cargo.lock: {} ({})", job->source.label, job->profile));
        retry.push_back(job);
        continue;
      }
      ++counts.projects_done;
      if (code != 0) {
        failed.push_back(job);
        progress.line(fmt::format("failed: {} ({}), see {}/build.log", job->source.label, job->profile, job->dir));
      } else {
        progress.line(fmt::format("built:  {} ({})", job->source.label, job->profile));
      }
    } else if (pid == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    count_log(unit_log, counts);
    progress.update(counts);
  }
  count_log(unit_log, counts);
  progress.finish(counts);

  // Keep the logs of failures for the operator; the rest is scratch.
  for (const auto& job : jobs) {
    bool kept = std::find(failed.begin(), failed.end(), &job) != failed.end();
    std::filesystem::remove_all(kept ? job.dir + "/target" : job.dir, ec);
  }
  if (failed.empty()) std::filesystem::remove_all(work, ec);
  fmt::print("warm: {} project(s) built, {} failed; {} units compiled, {} already cached\n",
             jobs.size() - failed.size(), failed.size(), counts.compiled, counts.hits);
  return failed.empty() ? 0 : 1;
}

}  // namespace cratecache
