#include "cli/commands.h"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <unistd.h>

#include <ctime>

#include "cli/doctor_command.h"
#include "cli/explain_command.h"
#include "cli/setup_command.h"
#include "cli/stats_command.h"
#include "config/config.h"
#include "manager/gc.h"
#include "store/project_db.h"
#include "manager/report.h"
#include "manager/verify.h"
#include "manager/warm.h"
#include "store/remote/object_signature.h"
#include "store/store.h"
#include "util/process.h"
#include "util/fs.h"

namespace cratecache {
namespace {

constexpr const char* kDescription =
    "cratecache: a shared build cache for Cargo.\n"
    "Use it as Cargo's rustc wrapper:  RUSTC_WRAPPER=cratecache cargo build\n"
    "(or run `cratecache setup` once). Settings: docs/config.md (CRATECACHE_DIR, CRATECACHE_MAX_SIZE, ...).";

int list_projects(const Config& config) {
  bool any = false;
  ProjectDb(StoreLayout(config.dir)).list([&](const ProjectSummary& r) {
    if (!any) fmt::print("{:<20} {:<8} {:<10} {:>6}  {}\n", "last built", "profile", "toolchain", "builds", "manifest");
    any = true;
    char when[32];
    std::time_t t = static_cast<std::time_t>(r.last_built);
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M", std::localtime(&t));
    fmt::print("{:<20} {:<8} {:<10} {:>6}  {}{}\n", when, r.profile, r.toolchain, r.builds, r.manifest_path,
               r.target.empty() ? "" : " (" + r.target + ")");
  });
  if (!any) fmt::print("No projects recorded yet in {}.\n", config.dir);
  return 0;
}

}  // namespace

bool is_subcommand(const std::string& word) {
  for (const char* c : {"stats", "zero-stats", "setup", "projects", "warm", "gc", "flush-uploads", "verify", "report", "explain", "keygen", "doctor", "help"}) {
    if (word == c) return true;
  }
  return word.rfind("-", 0) == 0;
}

int run_cli(const std::vector<std::string>& args) {
  CLI::App app{kDescription, "cratecache"};
  app.set_version_flag("-V,--version", std::string("cratecache ") + CRATECACHE_VERSION);
  app.require_subcommand(1);
  bool as_json = false;
  auto* stats = app.add_subcommand("stats", "Show hits, misses, reasons for not caching and store size");
  stats->add_flag("--json", as_json, "Print machine-readable JSON");
  auto* zero = app.add_subcommand("zero-stats", "Reset the statistics counters");
  auto* setup = app.add_subcommand("setup", "Set build.rustc-wrapper in $CARGO_HOME/config.toml to this binary");
  auto* projects = app.add_subcommand("projects", "List the projects recorded for `warm`");

  WarmOptions warm_options;
  std::string profiles;
  int since_days = -1, top = -1;
  auto* warm = app.add_subcommand("warm", "Build the dependencies of recorded projects (or a manifest) into the cache");
  warm->add_option("--toolchain", warm_options.toolchain, "rustup toolchain name, or path to rustc or a toolchain dir");
  warm->add_option("--profile", profiles, "Profiles to build, comma-separated (default: each project's own)");
  warm->add_option("--target", warm_options.target, "Target triple (default: each project's own)");
  warm->add_option("-j,--jobs", warm_options.jobs, "Projects built at once")->check(CLI::PositiveNumber);
  warm->add_option("--manifest", warm_options.manifest, "Operator manifest (TOML) instead of the records")
      ->check(CLI::ExistingFile);
  warm->add_option("--since-days", since_days, "Only projects built in the last N days");
  warm->add_option("--top", top, "Only the N most built projects");
  auto* from_requests = warm->add_flag("--from-requests", warm_options.from_requests,
                                       "Build tenants' requests (the store's requests/ drop box) instead of the records");
  from_requests->excludes("--manifest");
  warm->add_option("--requests-per-user", warm_options.requests_per_sender,
                   "With --from-requests: the most requests taken from one user in one run (default 10)")
      ->check(CLI::PositiveNumber);
  warm->add_option("--build-user", warm_options.build_user,
                   "Run the builds as this user, without the signing key or write access to the store (warm runs as root)");

  GcOptions gc_options;
  std::string gc_size;
  int drop_days = -1;
  auto* gc = app.add_subcommand("gc", "Trim the store (least recently used first) and drop unused toolchains");
  gc->add_option("--max-size", gc_size, "Size to trim to, e.g. 5G (default: the configured max_size)");
  gc->add_option("--drop-toolchains-unused-for", drop_days, "Remove entries (and project records) of toolchains unused for N days");

  int flush_timeout = 120;
  auto* flush = app.add_subcommand("flush-uploads", "Wait until background uploads to the remote tier are done");
  flush->add_option("--timeout", flush_timeout, "Seconds to wait at most");

  bool remove_bad = false;
  auto* verify = app.add_subcommand("verify", "Check every stored entry's digests");
  verify->add_flag("--remove", remove_bad, "Delete damaged entries");

  std::string report_file;
  auto* report = app.add_subcommand("report", "Write a self-contained HTML report of the cache");
  report->add_option("--html", report_file, "Output file")->required();

  std::string explain_name;
  auto* explain = app.add_subcommand("explain", "Say why units missed: what their keys were made of, what changed");
  explain->add_option("name", explain_name, "Crate or package (default: list the recent misses)");

  std::string key_path;
  auto* keygen = app.add_subcommand("keygen", "Write an Ed25519 signing key PATH (mode 0600) and its public key PATH.pub");
  keygen->add_option("path", key_path, "Where to write the private key")->required();

  auto* doctor = app.add_subcommand("doctor", "Check this user's setup for trust problems (shared stores, keys, remote policy)");

  app.add_subcommand("help", "Show this help")->callback([&] { throw CLI::CallForHelp(); });

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*keygen) {
      generate_key_pair(key_path);
      fmt::print("{}\n{}.pub\n", key_path, key_path);
      return 0;
    }
    if (*doctor) return run_doctor();  // it reports a bad setting as one of its findings
    Config config = Config::load_from_environment();
    if (*stats) return print_stats(config, as_json);
    if (*zero) return zero_stats(config);
    if (*setup) return setup_cargo_config(own_executable_path());
    if (*projects) return list_projects(config);
    if (*verify) return run_verify(config, remove_bad);
    if (*report) return write_html_report(config, report_file);
    if (*explain) return explain_misses(config, explain_name);
    if (*flush) {
      if (flush_uploads(StoreLayout(config.dir), flush_timeout)) return 0;
      fmt::print(stderr, "cratecache: uploads still running after {} s\n", flush_timeout);
      return 1;
    }
    if (*warm) {
      if (config.store_read_only()) {
        throw std::runtime_error("the store " + config.dir + " is read-only here: warm must fill it");
      }
      for (size_t start = 0; start < profiles.size();) {
        size_t comma = profiles.find(',', start);
        if (comma == std::string::npos) comma = profiles.size();
        if (comma > start) warm_options.profiles.push_back(profiles.substr(start, comma - start));
        start = comma + 1;
      }
      if (since_days >= 0) warm_options.filter.used_within_days = since_days;
      if (top >= 0) warm_options.filter.top = static_cast<size_t>(top);
      return run_warm(config, warm_options);
    }
    if (*gc) {
      if (!gc_size.empty()) gc_options.max_size = parse_size(gc_size);
      if (drop_days >= 0) gc_options.drop_unused_for_days = drop_days;
      return run_gc(config, gc_options);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "cratecache: error: {}\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace cratecache
