#include "args/rustc_args.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace cratecache {

Extern parse_extern(const std::string& value) {
  auto eq = value.find('=');
  return eq == std::string::npos ? Extern{value, ""} : Extern{value.substr(0, eq), value.substr(eq + 1)};
}
namespace {

// Long options that take a value, and what each normalises to.
struct LongFlag {
  std::string_view name;
  std::string_view canonical;
};
constexpr std::array<LongFlag, 27> kValueFlags{{
    {"--cfg", "--cfg"},
    {"--check-cfg", "--check-cfg"},
    {"--crate-type", "--crate-type"},
    {"--crate-name", "--crate-name"},
    {"--edition", "--edition"},
    {"--emit", "--emit"},
    {"--print", "--print"},
    {"--out-dir", "--out-dir"},
    {"--explain", "--explain"},
    {"--target", "--target"},
    {"--allow", "-A"},
    {"--warn", "-W"},
    {"--force-warn", "--force-warn"},
    {"--deny", "-D"},
    {"--forbid", "-F"},
    {"--cap-lints", "--cap-lints"},
    {"--codegen", "-C"},
    {"--error-format", "--error-format"},
    {"--json", "--json"},
    {"--color", "--color"},
    {"--diagnostic-width", "--diagnostic-width"},
    {"--remap-path-prefix", "--remap-path-prefix"},
    {"--extern", "--extern"},
    {"--sysroot", "--sysroot"},
    {"--env-set", "--env-set"},
    {"--crate-attr", "--crate-attr"},
    {"--unpretty", "--unpretty"},
}};
constexpr std::array<std::string_view, 8> kShortValueFlags{"-C", "-L", "-l", "-A", "-W", "-D", "-F", "-Z"};
constexpr std::array<std::string_view, 5> kNoValueFlags{"-g", "-O", "--test", "--verbose", "-v"};

std::vector<std::string> split_commas(const std::string& value) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    if (comma > start) parts.push_back(value.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

bool contains(const std::vector<std::string>& values, std::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

class Parser {
 public:
  explicit Parser(const std::vector<std::string>& argv) : argv_(argv) {}

  ParseResult run() {
    for (size_t i = 0; i < argv_.size(); ++i) {
      const std::string& arg = argv_[i];
      if (arg.size() > 1 && arg[0] == '@') {
        refuse("argfile");
      } else if (arg == "-") {
        refuse("stdin_input");
      } else if (arg.empty() || arg[0] != '-') {
        if (!result_.args.input.empty()) refuse("multiple_inputs");
        result_.args.input = arg;
      } else if (!parse_option(i)) {
        refuse("unknown_flag");
      }
    }
    check_cacheable();
    return std::move(result_);
  }

 private:
  void refuse(const char* reason) {
    if (!result_.not_cacheable) result_.not_cacheable = reason;
  }

  // Returns false for an option rustc may accept but this model does not know.
  bool parse_option(size_t& i) {
    const std::string& arg = argv_[i];
    for (auto flag : kNoValueFlags) {
      if (arg == flag) {
        add(std::string(flag), "");
        return true;
      }
    }
    if (arg == "-h" || arg == "--help" || arg == "-V" || arg == "--version" || arg == "-vV" || arg == "-Vv") {
      refuse("info");
      add(arg, "");
      return true;
    }
    if (arg.rfind("--", 0) == 0) {
      auto eq = arg.find('=');
      std::string_view name = std::string_view(arg).substr(0, eq);
      for (const auto& f : kValueFlags) {
        if (name != f.name) continue;
        if (eq != std::string::npos) return add(std::string(f.canonical), arg.substr(eq + 1)), true;
        if (i + 1 >= argv_.size()) return false;
        add(std::string(f.canonical), argv_[++i]);
        return true;
      }
      return false;
    }
    if (arg == "-o") {
      if (i + 1 >= argv_.size()) return false;
      add("-o", argv_[++i]);
      return true;
    }
    for (auto flag : kShortValueFlags) {
      if (arg.rfind(flag, 0) != 0) continue;
      if (arg.size() > flag.size()) {
        add(std::string(flag), arg.substr(flag.size()));
      } else {
        if (i + 1 >= argv_.size()) return false;
        add(std::string(flag), argv_[++i]);
      }
      return true;
    }
    return false;
  }

  void add(std::string flag, std::string value) {
    RustcArgs& a = result_.args;
    if (flag == "--crate-name") {
      a.crate_name = value;
    } else if (flag == "--crate-type") {
      for (auto& t : split_commas(value)) a.crate_types.push_back(t);
    } else if (flag == "--emit") {
      for (auto& e : split_commas(value)) a.emit.push_back(e);
    } else if (flag == "--out-dir") {
      a.out_dir = value;
    } else if (flag == "--extern") {
      a.externs.push_back(parse_extern(value));
    } else if (flag == "-L") {
      auto eq = value.find('=');
      if (eq == std::string::npos) {
        a.lib_paths.push_back({"all", value});
      } else {
        a.lib_paths.push_back({value.substr(0, eq), value.substr(eq + 1)});
      }
    } else if (flag == "-l") {
      a.native_libs.push_back(value);
    } else if (flag == "--cap-lints") {
      a.has_cap_lints = true;
    } else if (flag == "-C") {
      if (value.rfind("extra-filename=", 0) == 0) a.extra_filename = value.substr(15);
      if (value.rfind("linker=", 0) == 0) a.linker = value.substr(7);
      if (value.rfind("profile-use=", 0) == 0 || value.rfind("profile-generate", 0) == 0) refuse("profile_guided");
    } else if (flag == "--test") {
      a.test_harness = true;
    } else if (flag == "--print") {
      result_.not_cacheable = "print";  // Cargo's probe; named for what it is, whatever came first
    } else if (flag == "-o") {
      refuse("output_path");
    } else if (flag == "--sysroot") {
      refuse("sysroot");
    } else if (flag == "--explain" || flag == "--unpretty") {
      refuse("info");
    }
    result_.args.options.push_back({std::move(flag), std::move(value)});
  }

  void check_cacheable() {
    const RustcArgs& a = result_.args;
    if (a.input.empty()) refuse("no_input");
    if (a.crate_name.empty()) refuse("no_crate_name");
    if (a.out_dir.empty()) refuse("no_out_dir");
    if (!contains(a.emit, "dep-info")) refuse("no_dep_info");
    for (const auto& e : a.emit) {
      if (e != "dep-info" && e != "metadata" && e != "link") refuse("emit_kind");
    }
    static const std::vector<std::string> kTypes{"lib", "rlib", "proc-macro", "bin", "dylib", "cdylib", "staticlib"};
    if (a.crate_types.empty() && !a.test_harness) refuse("no_crate_type");
    if (!a.crate_types.empty() && a.test_harness) refuse("crate_type");  // not Cargo's form: rustc decides
    // An incremental unit rewrites only the .dwo files of changed codegen units: the set this run
    // wrote is not the set its outputs refer to.
    if (a.splits_debuginfo() && a.codegen("incremental")) refuse("split_debuginfo_incremental");
    for (const auto& t : a.crate_types) {
      if (!contains(kTypes, t)) refuse("crate_type");
    }
  }

  const std::vector<std::string>& argv_;
  ParseResult result_;
};

}  // namespace

const char* unit_kind_name(UnitKind kind) {
  switch (kind) {
    case UnitKind::Lib: return "lib";
    case UnitKind::ProcMacro: return "proc-macro";
    case UnitKind::BuildScript: return "build-script";
    case UnitKind::Bin: return "bin";
    case UnitKind::Other: return "other";
  }
  return "other";
}

UnitKind RustcArgs::unit_kind() const {
  if (contains(crate_types, "proc-macro")) return UnitKind::ProcMacro;
  if (crate_name.rfind("build_script_", 0) == 0 && contains(crate_types, "bin")) return UnitKind::BuildScript;
  if (contains(crate_types, "bin") || test_harness) return UnitKind::Bin;
  if (contains(crate_types, "lib") || contains(crate_types, "rlib")) return UnitKind::Lib;
  return UnitKind::Other;
}

bool RustcArgs::links() const {
  if (!contains(emit, "link")) return false;
  if (test_harness) return true;
  for (const auto& t : crate_types) {
    if (t != "lib" && t != "rlib") return true;
  }
  return false;
}

std::vector<std::string> RustcArgs::expected_outputs() const {
  std::vector<std::string> out;
  const std::string stem = crate_name + extra_filename;
  if (contains(emit, "link")) {
    if (test_harness) out.push_back(stem);
    for (const auto& t : crate_types) {
      std::string name;
      if (t == "lib" || t == "rlib") name = "lib" + stem + ".rlib";
      else if (t == "bin") name = stem;
      else if (t == "staticlib") name = "lib" + stem + ".a";
      else name = "lib" + stem + ".so";  // dylib, cdylib, proc-macro on Linux
      if (!contains(out, name)) out.push_back(name);
    }
  }
  if (contains(emit, "metadata")) out.push_back("lib" + stem + ".rmeta");
  if (contains(emit, "dep-info")) out.push_back(stem + ".d");
  return out;
}

std::optional<std::string> RustcArgs::codegen(const std::string& name) const {
  std::optional<std::string> found;
  for (const auto& o : options) {
    if (o.flag == "-C" && o.value.rfind(name + "=", 0) == 0) found = o.value.substr(name.size() + 1);
  }
  return found;
}

bool RustcArgs::splits_debuginfo() const {
  auto mode = codegen("split-debuginfo");
  return mode && *mode != "off";
}

ParseResult parse_rustc_args(const std::vector<std::string>& argv) { return Parser(argv).run(); }

}  // namespace cratecache
