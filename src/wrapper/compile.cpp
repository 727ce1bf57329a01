#include "wrapper/compile.h"

#include <cstdlib>
#include <optional>

#include "args/rustc_args.h"
#include "config/config.h"
#include "entry/deferred_blob.h"
#include "job/result.h"
#include "job/run_cached.h"
#include "job/script_launcher.h"
#include "key/content_digest.h"
#include "key/declared_closure.h"
#include "key/dep_info.h"
#include "key/project_roots.h"
#include "key/toolchain.h"
#include "key/unit_key.h"
#include "store/events.h"
#include "store/stats.h"
#include "store/store.h"
#include "util/env.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/process.h"
#include "wrapper/project_build.h"
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
class RustcUnit : public Job {
 public:
  RustcUnit(const Store& store, StatCache& digests, const std::string& rustc, const std::vector<std::string>& argv,
            RustcArgs args, const std::string& cwd)
      : store_(store),
        digests_(digests),
        rustc_(rustc),
        argv_(argv),
        args_(std::move(args)),
        cwd_(cwd),
        out_dir_(absolute_out_dir(args_, cwd)),
        roots_(find_project_roots(args_, cwd, getenv_fn)),
        normaliser_(make_normaliser(roots_)) {}

  std::string name() const override { return display_name(args_); }
  std::string kind() const override { return unit_kind_name(args_.unit_kind()); }
  std::string entry_crate() const override { return args_.crate_name; }
  bool expects_output(std::string_view name) const override { return is_unit_output(args_, name); }
  std::string out_dir() const override { return out_dir_; }
  const PathNormaliser& normaliser() const override { return normaliser_; }
  // Its roots and working directory, and what Cargo names: the package dir, its OUT_DIR.
  InputRoots input_roots() const override {
    std::vector<std::string> more{toolchain_.sysroot};
    for (const char* name : {"CARGO_MANIFEST_DIR", "OUT_DIR"}) {
      if (const char* dir = std::getenv(name)) more.push_back(dir);
    }
    return input_roots_of(roots_, cwd_, std::move(more));
  }

  JobKeys keys() override {
    record_closure({args_, cwd_, normaliser_, getenv_fn, digests_});
    toolchain_ = identify_toolchain(rustc_, store_.layout().toolchains_dir());
    return {compute_input_key(key_context()), toolchain_.short_id()};
  }

  KeyInputs key_inputs() override {
    KeyInputs inputs;
    compute_input_key(key_context(), &inputs);
    return inputs;
  }

  Command command() override {
    if (args_.splits_debuginfo()) split_debuginfo_.emplace(out_dir_, stem());
    return {rustc_, argv_};
  }

  std::string failure_reason() const override { return "compile_error"; }

  // Sources are what rustc's dep-info lists; outputs what it was asked to write.
  Collected collect(const TeeResult& run, uint64_t compile_ms) override {
    DepInfo deps = parse_dep_info(read_file(out_dir_ + "/" + stem() + ".d"));
    ResultBuilder result(normaliser_, entry_crate(), kind(), compile_ms);
    for (const auto& file : deps.files) {
      ManifestFile mf = describe_input(file[0] == '/' ? file : cwd_ + "/" + file, normaliser_.normalise(file));
      if (mf.digest == kAbsent) throw std::runtime_error("source " + file + " vanished");
      result.add_input(std::move(mf));
    }
    for (const auto& e : deps.env) result.add_env(e.name, e.value);
    result.entry().toolchain = toolchain_.release;
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
      result.add_output(
          {name, st->mode & 07777, is_dep_info, is_dep_info ? normaliser_.normalise(data) : std::move(data), "", ""});
    }
    return result.finish(run, deferred_blob());
  }

  // A served build-script binary stays in its entry: a replayed run never executes it.
  std::string deferred_blob() const override { return is_build_script_binary() ? stem() : ""; }

  void after_hit(const StoredObject& entry, const Replay& /*replay*/) override {
    if (!is_build_script_binary()) return;
    std::string binary = out_dir_ + "/" + stem();
    if (!entry.authenticated) {
      install_real_binary_launcher();  // materialised with the rest
      return;
    }
    if (!entry.local_path.empty() && link_entry(entry.local_path, binary + kDeferredEntrySuffix)) {
      install_launcher(binary, own_executable_path(), true);
      return;
    }
    extract_blob(entry.bytes(), stem(), binary);
    install_real_binary_launcher();
  }

  void after_store(const Entry& entry) override {
    // What cratecache wrote needs no hashing when a later key reads it.
    for (const auto& blob : entry.blobs) {
      if (!blob.has_paths) digests_.record(out_dir_ + "/" + blob.name, blob.digest);
    }
    if (is_build_script_binary()) install_real_binary_launcher();
  }

 private:
  KeyContext key_context() {
    KeyContext ctx{args_, toolchain_, normaliser_, cwd_, getenv_fn, environment_names(), digests_};
    ctx.proc_macro_closure = proc_macro_closure(args_, cwd_);
    return ctx;
  }

  bool is_build_script_binary() const { return args_.unit_kind() == UnitKind::BuildScript && args_.links(); }
  std::string stem() const { return args_.crate_name + args_.extra_filename; }

  void install_real_binary_launcher() {
    std::string binary = out_dir_ + "/" + stem();
    std::string digest = digests_.digest(binary);
    install_launcher(binary, own_executable_path(), false);
    // The run's key starts from this digest: remember it under the new name too.
    digests_.record(binary + kRealScriptSuffix, digest);
  }

  const Store& store_;
  StatCache& digests_;
  const std::string& rustc_;
  const std::vector<std::string>& argv_;
  RustcArgs args_;
  std::string cwd_;
  std::string out_dir_;
  ProjectRoots roots_;
  PathNormaliser normaliser_;
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
    StatCache digests(StoreLayout(config.dir).stat_dir());
    record_closure({args, cwd, make_normaliser(find_project_roots(args, cwd, getenv_fn)), getenv_fn, digests});
  } catch (const std::exception& e) {
    warn("cannot record the declared inputs of {}: {}", args.crate_name, e.what());
  }
}

void count_pass_through(const Config& config, const RustcArgs& args, const std::string& reason) {
  Stats(StoreLayout(config.dir)).add("not_cached." + reason);
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

bool is_unit_output(const RustcArgs& args, std::string_view name) {
  for (const auto& output : args.expected_outputs()) {
    if (name == output) return true;
  }
  // SplitDebuginfoFiles lists the out-dir itself: never a name in a subdirectory.
  return args.splits_debuginfo() && name.find('/') == std::string_view::npos &&
         is_unit_debuginfo(name, args.crate_name + args.extra_filename);
}

int run_wrapper(const std::string& rustc, const std::vector<std::string>& argv) {
  std::optional<Config> loaded = Config::load_for_run();
  if (!loaded) exec_rustc(rustc, argv);
  const Config& config = *loaded;

  bool wrapped = !argv.empty() && is_workspace_wrapper(rustc);
  ParseResult parsed = parse_rustc_args(wrapped ? std::vector<std::string>(argv.begin() + 1, argv.end()) : argv);
  auto reason = pass_through_reason(config, parsed, wrapped);
  bool query = reason == "print" || reason == "info" || reason == "build_script_probe";
  if (!query && is_workspace_member(parsed.args)) {
    record_project_build(config, wrapped ? argv[0] : rustc, parsed.args);
  }
  if (reason) {
    if (!query) record_closure_uncached(config, parsed.args);
    count_pass_through(config, parsed.args, *reason);
    exec_rustc(rustc, argv);
  }

  Store store = Store::open(config);
  StatCache digests(store.layout().stat_dir());
  std::optional<RustcUnit> unit;
  try {
    unit.emplace(store, digests, rustc, argv, std::move(parsed.args), absolute_path("."));
  } catch (const std::exception& e) {
    warn("cache unavailable, compiling without it: {}", e.what());
    store.stats().add("errors.lookup");
    exec_rustc(rustc, argv);
  }
  if (auto exit_code = run_cached(*unit, store, digests)) return *exit_code;
  exec_rustc(rustc, argv);
}

}  // namespace cratecache
