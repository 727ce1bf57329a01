#include "wrapper/compile.h"

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "args/rustc_args.h"
#include "buildscript/launcher.h"
#include "config/config.h"
#include "key/content_digest.h"
#include "key/declared_closure.h"
#include "key/dep_info.h"
#include "key/project_roots.h"
#include "key/toolchain.h"
#include "key/unit_key.h"
#include "manager/project_record.h"
#include "store/cached_job.h"
#include "store/deferred_blob.h"
#include "store/events.h"
#include "store/materialise.h"
#include "store/stats.h"
#include "util/env.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/process.h"
#include "wrapper/split_debuginfo.h"

namespace cratecache {
namespace {

std::string absolute_out_dir(const RustcArgs& args, const std::string& cwd) {
  return args.out_dir[0] == '/' ? args.out_dir : cwd + "/" + args.out_dir;
}

// Build scripts are all called build_script_build: name them after their package in stats and logs.
std::string display_name(const RustcArgs& args) {
  const char* package = std::getenv("CARGO_PKG_NAME");
  return args.unit_kind() == UnitKind::BuildScript && package ? package : args.crate_name;
}

// One cacheable rustc invocation.
class RustcUnit : public CachedJob {
 public:
  RustcUnit(const Config& config, const std::string& rustc, const std::vector<std::string>& argv, RustcArgs args,
            const std::string& cwd)
      : CachedJob(config, display_name(args), unit_kind_name(args.unit_kind()), absolute_out_dir(args, cwd),
                  make_normaliser(find_project_roots(args, cwd, getenv_fn))),
        rustc_(rustc),
        argv_(argv),
        args_(std::move(args)),
        cwd_(cwd),
        out_dir_(absolute_out_dir(args_, cwd)) {}

  // Computes the keys; throws on any fault, before rustc has run.
  void prepare() {
    record_closure({args_, cwd_, normaliser(), getenv_fn, digests()});
    toolchain_ = identify_toolchain(rustc_, config().dir);
    set_keys(compute_input_key(key_context()), toolchain_.short_id());
  }

  // Runs rustc (streaming its output to Cargo), then stores what it produced.
  int compile_and_store() {
    if (args_.splits_debuginfo()) split_debuginfo_.emplace(out_dir_, stem());
    return run_and_store(rustc_, argv_, "compile_error", [this](const TeeResult& run, uint64_t compile_ms) {
      store_result(run, compile_ms);
      if (is_build_script_binary()) install_real_binary_launcher();
      return std::optional<std::string>();
    });
  }

 private:
  KeyContext key_context() {
    KeyContext ctx{args_, toolchain_, normaliser(), cwd_, getenv_fn, environment_names(), digests()};
    ctx.proc_macro_closure = proc_macro_closure(args_, cwd_);
    return ctx;
  }

  KeyInputs key_inputs() override {
    KeyInputs inputs;
    compute_input_key(key_context(), &inputs);
    return inputs;
  }

  bool is_build_script_binary() const { return args_.unit_kind() == UnitKind::BuildScript && args_.links(); }
  std::string stem() const { return args_.crate_name + args_.extra_filename; }

  // A served build-script binary stays in its entry: a replayed run never executes it.
  std::string deferred_blob() const override { return is_build_script_binary() ? stem() : ""; }

  void after_materialise(const std::string& entry_path, std::string_view entry_bytes) override {
    if (!is_build_script_binary()) return;
    std::string binary = out_dir_ + "/" + stem();
    if (link_entry(entry_path, binary + kDeferredEntrySuffix)) {
      install_launcher(binary, own_executable_path(), true);
      return;
    }
    extract_blob(entry_bytes, stem(), binary);
    install_real_binary_launcher();
  }

  void install_real_binary_launcher() {
    std::string binary = out_dir_ + "/" + stem();
    std::string digest = digests().digest(binary);
    install_launcher(binary, own_executable_path(), false);
    // The run's key starts from this digest: remember it under the new name too.
    digests().record(binary + kRealScriptSuffix, digest);
  }

  void store_result(const TeeResult& run, uint64_t compile_ms) {
    DepInfo deps = parse_dep_info(read_file(out_dir_ + "/" + stem() + ".d"));

    ManifestCandidate candidate;
    std::vector<SourceDigest> sources;
    for (const auto& file : deps.files) {
      ManifestFile mf = describe_input(file[0] == '/' ? file : cwd_ + "/" + file, normaliser().normalise(file));
      if (mf.digest == kAbsent) throw std::runtime_error("source " + file + " vanished");
      sources.push_back({mf.path, mf.digest});
      candidate.files.push_back(std::move(mf));
    }
    for (auto& e : deps.env) {
      if (e.value) e.value = normaliser().normalise(*e.value);
      candidate.env.push_back(std::move(e));
    }
    candidate.result_key = compute_result_key(input_key(), sources, candidate.env);

    Entry entry;
    entry.crate_name = args_.crate_name;
    entry.unit_kind = unit_kind_name(args_.unit_kind());
    entry.toolchain = toolchain_.release;
    entry.compile_ms = compile_ms;
    std::vector<std::string> outputs = args_.expected_outputs();
    if (split_debuginfo_) {
      for (auto& name : split_debuginfo_->written()) outputs.push_back(std::move(name));
    }
    for (const auto& name : outputs) {
      std::string path = out_dir_ + "/" + name;
      auto st = stat_file(path);
      if (!st) throw std::runtime_error("rustc did not write " + name);
      bool is_dep_info = name.ends_with(".d");
      std::string data = read_file(path);
      entry.blobs.push_back(
          {name, st->mode & 07777, is_dep_info, is_dep_info ? normaliser().normalise(data) : std::move(data), "", ""});
    }
    entry.blobs.push_back({":stdout", 0, true, normaliser().normalise(run.out), "", ""});
    entry.blobs.push_back({":stderr", 0, true, normaliser().normalise(run.err), "", ""});
    // A deferred blob last: a hit stops decoding before it.
    std::stable_partition(entry.blobs.begin(), entry.blobs.end(),
                          [&](const Blob& b) { return b.name != deferred_blob(); });
    save(std::move(candidate), entry);
    for (const auto& blob : entry.blobs) {
      if (!blob.has_paths) digests().record(out_dir_ + "/" + blob.name, blob.digest);
    }
  }

  const std::string& rustc_;
  const std::vector<std::string>& argv_;
  RustcArgs args_;
  std::string cwd_;
  std::string out_dir_;
  Toolchain toolchain_;
  std::optional<SplitDebuginfoFiles> split_debuginfo_;
};

[[noreturn]] void exec_rustc(const std::string& rustc, const std::vector<std::string>& args) {
  exec_program(rustc, args);
  warn("cannot run {}", rustc);
  std::exit(127);
}

// A unit rustc compiles uncached may still be a build-dependency of a cached run, which keys on
// its declared-inputs closure.
void record_closure_uncached(const Config& config, const RustcArgs& args) {
  try {
    std::string cwd = absolute_path(".");
    StatCache digests(config.dir + "/stat");
    record_closure({args, cwd, make_normaliser(find_project_roots(args, cwd, getenv_fn)), getenv_fn, digests});
  } catch (const std::exception& e) {
    warn("cannot record the declared inputs of {}: {}", args.crate_name, e.what());
  }
}

void count_pass_through(const Config& config, const RustcArgs& args, const std::string& reason) {
  Stats(config.dir).add("not_cached." + reason);
  record_event(config, {"not_cached", display_name(args), unit_kind_name(args.unit_kind()), reason, 0});
}

bool is_workspace_member(const RustcArgs& args) {
  return !args.has_cap_lints || std::getenv("CARGO_PRIMARY_PACKAGE") != nullptr;
}

// A rustc call a build script makes to probe the compiler (anyhow, rustversion): Cargo sets
// CARGO_CFG_* only for build-script runs, and gives each unit of its own a `-C metadata`.
bool is_build_script_probe(const RustcArgs& args) {
  return std::getenv("CARGO_CFG_TARGET_ARCH") != nullptr && !args.codegen("metadata");
}

// `cargo clippy` runs members as `$RUSTC_WRAPPER $RUSTC_WORKSPACE_WRAPPER $RUSTC ARGS...`.
bool is_workspace_wrapper(const std::string& program) {
  const char* wrapper = std::getenv("RUSTC_WORKSPACE_WRAPPER");
  return wrapper && *wrapper && (program == wrapper || basename_of(program) == basename_of(wrapper));
}

// The reason a unit runs unchanged, if any. A workspace member is reported as such, whatever
// else would keep it out of the cache.
std::optional<std::string> pass_through_reason(const Config& config, const ParseResult& parsed, bool wrapped) {
  if (parsed.not_cacheable == "print" || parsed.not_cacheable == "info") return parsed.not_cacheable;
  if (is_build_script_probe(parsed.args)) return "build_script_probe";
  if (is_workspace_member(parsed.args) && !config.cache_path_packages) return "workspace_member";
  if (parsed.not_cacheable) return parsed.not_cacheable;
  // clippy-driver's diagnostics depend on its lint config and, for its `cargo` lints, on the
  // whole workspace's manifests and lock file read through `cargo metadata`: inputs no key sees.
  if (wrapped) return "workspace_wrapper";
  return std::nullopt;
}

}  // namespace

int run_wrapper(const std::string& rustc, const std::vector<std::string>& argv) {
  std::optional<Config> loaded = Config::load_for_run();
  if (!loaded) exec_rustc(rustc, argv);
  const Config& config = *loaded;

  bool wrapped = !argv.empty() && is_workspace_wrapper(rustc);
  ParseResult parsed = parse_rustc_args(wrapped ? std::vector<std::string>(argv.begin() + 1, argv.end()) : argv);
  auto reason = pass_through_reason(config, parsed, wrapped);
  bool query = reason == "print" || reason == "info" || reason == "build_script_probe";
  if (!query && is_workspace_member(parsed.args) && !config.store_read_only()) {
    record_project_build(config, wrapped ? argv[0] : rustc, parsed.args);
  }
  if (reason) {
    if (!query) record_closure_uncached(config, parsed.args);
    count_pass_through(config, parsed.args, *reason);
    exec_rustc(rustc, argv);
  }

  std::optional<RustcUnit> unit;
  try {
    unit.emplace(config, rustc, argv, std::move(parsed.args), absolute_path("."));
    unit->prepare();
  } catch (const std::exception& e) {
    warn("cache unavailable, compiling without it: {}", e.what());
    if (unit) unit->count_error("lookup");
    exec_rustc(rustc, argv);
  }
  try {
    return unit->serve_or_produce([&] { return unit->compile_and_store(); });
  } catch (const OutputUnwritable& e) {
    // rustc gets the same directory: its own error is the one Cargo should show.
    warn("cannot put {}'s cached outputs in place, compiling without the cache: {}", unit->name(), e.what());
    unit->count_not_cached("out_dir_unwritable");
    exec_rustc(rustc, argv);
  } catch (const std::exception& e) {
    // Only the lookup can throw here; rustc has not run yet.
    warn("cache unavailable, compiling without it: {}", e.what());
    unit->count_error("lookup");
    exec_rustc(rustc, argv);
  }
}

}  // namespace cratecache
