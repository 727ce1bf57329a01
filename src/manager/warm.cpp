#include "manager/warm.h"

#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "key/toolchain.h"
#include "manager/progress.h"
#include "manager/publish.h"
#include "manager/warm_sandbox.h"
#include "store/request_spool.h"
#include "store/store.h"
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

// Tallies the warm run's unit log: hits and real compiles. The builds write it: it is read
// without following a link, and only its first 64 MiB.
void count_log(const std::string& path, WarmCounts& counts) {
  counts.hits = counts.compiled = 0;
  auto text = read_regular_prefix(path, 64u << 20);
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

std::vector<WarmSource> chosen_sources(const Config& config, const WarmOptions& options) {
  StoreLayout layout(config.dir);
  if (options.from_requests) return sources_from_requests(layout, options.requests_per_sender);
  if (!options.manifest.empty()) return read_warm_manifest(options.manifest);
  return sources_from_records(ProjectDb(layout).list(), options.filter);
}

}  // namespace

int run_warm(const Config& config, const WarmOptions& options) {
  StoreLayout layout(config.dir);
  std::vector<WarmSource> sources = registry_sources(chosen_sources(config, options));
  if (sources.empty()) {
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

  std::vector<WarmJob> jobs;
  for (size_t i = 0; i < sources.size(); ++i) {
    std::vector<std::string> profiles = options.profiles.empty() ? std::vector<std::string>{sources[i].profile}
                                                                  : options.profiles;
    for (const auto& profile : profiles) {
      WarmJob job{sources[i], profile.empty() ? "dev" : profile, sandbox.job_dir(fmt::format("p{}-{}", i, profile))};
      if (!options.target.empty()) job.source.target = options.target;
      write_stub_project(job.dir, job.source);
      sandbox.hand_over(job.dir);
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
      env.insert(env.end(), {{"RUSTC_WRAPPER", self}, {"CARGO_TARGET_DIR", job.dir + "/target"}});
      int pid = -1;
      try {
        pid = spawn_logged(cargo.program, args, sandbox.environment(env), job.dir + "/build.log", sandbox.isolation());
      } catch (const std::exception& e) {
        progress.line(fmt::format("failed: {} ({}): {}", job.source.label, job.profile, e.what()));
        failed.push_back(&job);
        ++counts.projects_done;
        continue;
      }
      running[pid] = &job;
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
    count_log(sandbox.unit_log(), counts);
    progress.update(counts);
  }
  count_log(sandbox.unit_log(), counts);
  progress.finish(counts);

  sandbox.end_leftover_processes();
  Store published = Store::open(config);
  PublishCounts publish = publish_scratch(sandbox.scratch_dir(), sandbox.producer(), published);
  for (const auto& why : publish.refused) fmt::print(stderr, "cratecache warm: not published: {}\n", why);

  // Keep the logs of failures for the operator; the rest is scratch.
  for (const auto& job : jobs) {
    bool kept = std::find(failed.begin(), failed.end(), &job) != failed.end();
    std::filesystem::remove_all(kept ? job.dir + "/target" : job.dir, ec);
  }
  if (failed.empty()) std::filesystem::remove_all(sandbox.work_dir(), ec);
  fmt::print("warm: published {} entries and {} manifests, refused {}\n", publish.entries, publish.manifests,
             publish.refused.size());
  fmt::print("warm: {} project(s) built, {} failed; {} units compiled, {} already cached\n",
             jobs.size() - failed.size(), failed.size(), counts.compiled, counts.hits);
  return failed.empty() ? 0 : 1;
}

}  // namespace cratecache
