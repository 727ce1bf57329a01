#include "wrapper/compile.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>

#include "args/rustc_args.h"
#include "buildscript/launcher.h"
#include "config/config.h"
#include "key/content_digest.h"
#include "key/dep_info.h"
#include "key/manifest.h"
#include "key/project_roots.h"
#include "key/stat_cache.h"
#include "key/toolchain.h"
#include "key/unit_key.h"
#include "store/entry.h"
#include "store/local_store.h"
#include "store/materialise.h"
#include "store/stats.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/process.h"
#include "wrapper/unit_log.h"

extern char** environ;

namespace cratecache {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t ms_since(Clock::time_point start) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

std::vector<std::string> environment_names() {
  std::vector<std::string> names;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    names.emplace_back(kv.substr(0, kv.find('=')));
  }
  return names;
}

const char* getenv_fn(const char* name) { return std::getenv(name); }

// One cacheable rustc invocation, from key to hit or stored miss.
class Unit {
 public:
  Unit(const Config& config, const std::string& rustc, const std::vector<std::string>& argv, RustcArgs args)
      : config_(config),
        rustc_(rustc),
        argv_(argv),
        args_(std::move(args)),
        store_(config.dir, config.max_size),
        stats_(config.dir),
        digests_(config.dir + "/stat"),
        cwd_(absolute_path(".")) {
    out_dir_ = args_.out_dir[0] == '/' ? args_.out_dir : cwd_ + "/" + args_.out_dir;
    normaliser_ = make_normaliser(find_project_roots(args_, cwd_, getenv_fn));
  }

  // Computes the keys; throws on any fault, before rustc has run.
  void prepare() {
    toolchain_ = identify_toolchain(rustc_, config_.dir);
    KeyContext ctx{args_, toolchain_, normaliser_, cwd_, getenv_fn, environment_names(), digests_};
    input_key_ = compute_input_key(ctx);
    manifest_path_ = config_.dir + "/manifests/" + input_key_.substr(0, 2) + "/" + input_key_ + ".json";
  }

  // Serves the unit from the store; false on a miss.
  bool try_hit() {
    Manifest manifest = Manifest::load(manifest_path_);
    auto result_key = manifest.match(normaliser_, getenv_fn);
    if (!result_key) return false;
    auto bytes = store_.get(*result_key);
    if (!bytes) return false;
    Replay replay;
    try {
      replay = materialise(*bytes, out_dir_, normaliser_, digests_);
    } catch (const CorruptEntry& e) {
      warn("removing corrupt cache entry for {} ({})", args_.crate_name, e.what());
      store_.remove(*result_key);
      stats_.add("errors.corrupt_entry");
      return false;
    }
    install_build_script_launcher();
    // Outputs first, then the messages: Cargo may act on an artifact notice at once.
    replay_output(replay);
    const EntryInfo& entry = replay.info;
    uint64_t spent = ms_since(start_);
    stats_.add_many({{"hits", 1},
                     {"hits." + std::string(unit_kind_name(args_.unit_kind())), 1},
                     {"time_saved_ms", entry.compile_ms > spent ? static_cast<int64_t>(entry.compile_ms - spent) : 0}});
    log("hit", "");
    return true;
  }

  // Runs rustc (streaming its output to Cargo), then stores what it produced.
  int compile_and_store() {
    auto compile_start = Clock::now();
    TeeResult run = run_tee(rustc_, argv_);
    uint64_t compile_ms = ms_since(compile_start);
    if (run.exit_code != 0) {
      count_not_cached("compile_error");
      return run.exit_code;
    }
    try {
      store_result(run, compile_ms);
      stats_.add("misses");
      log("miss", "");
    } catch (const std::exception& e) {
      warn("could not store {} in the cache: {}", args_.crate_name, e.what());
      count_error("store_write");
    }
    return 0;
  }

  void count_not_cached(const std::string& reason) {
    try {
      stats_.add("not_cached." + reason);
    } catch (const std::exception&) {
    }
    log("not_cached", reason);
  }

  void count_error(const std::string& kind) {
    try {
      stats_.add("errors." + kind);
    } catch (const std::exception&) {
    }
  }

 private:
  void log(const std::string& outcome, const std::string& detail) {
    append_unit_log(config_.log_file, outcome, args_.crate_name, unit_kind_name(args_.unit_kind()), detail);
  }

  void install_build_script_launcher() {
    if (args_.unit_kind() != UnitKind::BuildScript || !args_.links()) return;
    install_launcher(out_dir_ + "/" + args_.crate_name + args_.extra_filename, own_executable_path());
  }

  void store_result(const TeeResult& run, uint64_t compile_ms) {
    const std::string stem = args_.crate_name + args_.extra_filename;
    DepInfo deps = parse_dep_info(read_file(out_dir_ + "/" + stem + ".d"));

    ManifestCandidate candidate;
    std::vector<SourceDigest> sources;
    for (const auto& file : deps.files) {
      ManifestFile mf = describe_input(file[0] == '/' ? file : cwd_ + "/" + file, normaliser_.normalise(file));
      if (mf.digest == kAbsent) throw std::runtime_error("source " + file + " vanished");
      sources.push_back({mf.path, mf.digest});
      candidate.files.push_back(std::move(mf));
    }
    candidate.env = deps.env;
    candidate.result_key = compute_result_key(input_key_, sources, deps.env);

    Entry entry;
    entry.crate_name = args_.crate_name;
    entry.unit_kind = unit_kind_name(args_.unit_kind());
    entry.toolchain = toolchain_.release;
    entry.compile_ms = compile_ms;
    for (const auto& name : args_.expected_outputs()) {
      std::string path = out_dir_ + "/" + name;
      auto st = stat_file(path);
      if (!st) throw std::runtime_error("rustc did not write " + name);
      bool is_dep_info = name.size() > 2 && name.ends_with(".d");
      std::string data = read_file(path);
      entry.blobs.push_back({name, st->mode & 07777, is_dep_info, is_dep_info ? normaliser_.normalise(data) : data, ""});
    }
    entry.blobs.push_back({":stdout", 0, true, normaliser_.normalise(run.out), ""});
    entry.blobs.push_back({":stderr", 0, true, normaliser_.normalise(run.err), ""});

    std::string bytes = encode_entry(entry, config_.compression_level);
    store_.put(candidate.result_key, bytes);
    for (const auto& blob : entry.blobs) {
      if (!blob.has_paths) digests_.record(out_dir_ + "/" + blob.name, blob.digest);
    }
    Manifest manifest = Manifest::load(manifest_path_);
    manifest.add(std::move(candidate));
    manifest.save(manifest_path_);
    install_build_script_launcher();
  }

  const Config& config_;
  const std::string& rustc_;
  const std::vector<std::string>& argv_;
  RustcArgs args_;
  LocalStore store_;
  Stats stats_;
  StatCache digests_;
  std::string cwd_;
  std::string out_dir_;
  PathNormaliser normaliser_;
  Toolchain toolchain_;
  std::string input_key_;
  std::string manifest_path_;
  Clock::time_point start_ = Clock::now();
};

[[noreturn]] void exec_rustc(const std::string& rustc, const std::vector<std::string>& args) {
  exec_program(rustc, args);
  warn("cannot run {}", rustc);
  std::exit(127);
}

void count_pass_through(const Config& config, const RustcArgs& args, const std::string& reason) {
  try {
    Stats(config.dir).add("not_cached." + reason);
  } catch (const std::exception&) {
    // Counting is best effort; the build is what matters.
  }
  append_unit_log(config.log_file, "not_cached", args.crate_name, unit_kind_name(args.unit_kind()), reason);
}

bool is_workspace_member(const RustcArgs& args) {
  return !args.cap_lints_allow || std::getenv("CARGO_PRIMARY_PACKAGE") != nullptr;
}

}  // namespace

int run_wrapper(const std::string& rustc, const std::vector<std::string>& argv) {
  Config config;
  try {
    config = Config::load_from_environment();
  } catch (const std::exception& e) {
    warn("configuration error, caching disabled: {}", e.what());
    exec_rustc(rustc, argv);
  }
  if (config.disable) exec_rustc(rustc, argv);

  ParseResult parsed = parse_rustc_args(argv);
  // A workspace member is reported as such even when it is also incremental.
  bool probe = parsed.not_cacheable == "print" || parsed.not_cacheable == "info";
  bool member = !probe && is_workspace_member(parsed.args);
  if (member && !config.cache_path_packages) {
    count_pass_through(config, parsed.args, "workspace_member");
    exec_rustc(rustc, argv);
  }
  if (parsed.not_cacheable) {
    count_pass_through(config, parsed.args, *parsed.not_cacheable);
    exec_rustc(rustc, argv);
  }

  std::optional<Unit> unit;
  try {
    unit.emplace(config, rustc, argv, std::move(parsed.args));
    unit->prepare();
    if (unit->try_hit()) return 0;
  } catch (const std::exception& e) {
    warn("cache unavailable, compiling without it: {}", e.what());
    if (unit) unit->count_error("lookup");
    try {
      return run_tee(rustc, argv).exit_code;
    } catch (const std::exception&) {
      exec_rustc(rustc, argv);
    }
  }
  return unit->compile_and_store();
}

}  // namespace cratecache
