#pragma once
// The model of one rustc command line, as Cargo writes it. Parsing never throws: what the cache
// cannot reason about is reported as a reason not to cache, and rustc then runs unchanged.
#include <optional>
#include <string>
#include <vector>

namespace cratecache {

// One option in canonical form: "-C opt-level=3", "-Copt-level=3" and "--codegen=opt-level=3"
// all become {"-C", "opt-level=3"}, so equivalent command lines share a key.
struct RustcOption {
  std::string flag;
  std::string value;  // empty for flags without a value (-g, -O, --test)
};

struct Extern {
  std::string name;  // may carry modifiers ("priv:foo"), kept verbatim for the key
  std::string path;  // empty for `--extern proc_macro`
};

// "name=path" or "name" (`--extern proc_macro`).
Extern parse_extern(const std::string& value);

struct LibPath {
  std::string kind;  // "dependency", "native", "crate", "framework", "all"
  std::string path;
};

enum class UnitKind { Lib, ProcMacro, BuildScript, Bin, Other };
const char* unit_kind_name(UnitKind kind);

struct RustcArgs {
  std::vector<RustcOption> options;  // every option, in order, canonical form
  std::string input;                 // the crate root source file
  std::string crate_name;
  std::vector<std::string> crate_types;
  std::vector<std::string> emit;
  std::string out_dir;
  std::string extra_filename;
  std::vector<Extern> externs;
  std::vector<LibPath> lib_paths;
  std::vector<std::string> native_libs;  // -l values
  std::string linker;                    // -C linker=..., empty for the default `cc`
  bool has_cap_lints = false;  // Cargo caps lints (allow, or warn under -vv) only for non-local packages
  bool test_harness = false;   // --test: an executable running the crate's tests (`cargo test`)

  UnitKind unit_kind() const;
  // Does rustc run a linker for this unit (so the linker and native libs are inputs)?
  bool links() const;
  // File names (in out_dir) this invocation writes; split debug info is found after the run.
  std::vector<std::string> expected_outputs() const;
  std::optional<std::string> codegen(const std::string& name) const;
  // `-C split-debuginfo=packed|unpacked`: the debug info goes to .dwo/.dwp files beside the outputs.
  bool splits_debuginfo() const;
};

struct ParseResult {
  RustcArgs args;
  std::optional<std::string> not_cacheable;  // reason, e.g. "print", "output_path", "unknown_flag"
};

ParseResult parse_rustc_args(const std::vector<std::string>& argv);

}  // namespace cratecache
