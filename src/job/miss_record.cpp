#include "job/miss_record.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include "util/fs.h"

namespace cratecache {
namespace {

using nlohmann::json;

// Crate and package names are Cargo's ([A-Za-z0-9_-]); anything else never reaches a path.
std::string file_name_part(const std::string& s) {
  std::string out = s.substr(0, 64);
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  }
  return out.empty() ? "_" : out;
}

}  // namespace

void write_miss_record(const StoreLayout& layout, const MissRecord& r) {
  json inputs = json::array();
  for (const auto& i : r.inputs) inputs.push_back(json::array({i.label, i.value}));
  json doc{{"time", r.time},         {"crate", r.name},   {"kind", r.kind},
           {"input_key", r.input_key}, {"inputs", inputs}, {"mismatches", r.mismatches}};
  std::string path = layout.explain_dir() + "/" + file_name_part(r.name) + "." + file_name_part(r.kind) + ".json";
  make_dirs(layout.explain_dir());
  write_file_atomic(path, doc.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::vector<MissRecord> read_miss_records(const StoreLayout& layout) {
  std::vector<MissRecord> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(layout.explain_dir(), ec)) {
    if (e.path().extension() != ".json") continue;
    auto text = try_read_file(e.path().string());
    if (!text) continue;
    try {
      json doc = json::parse(*text);
      MissRecord r;
      r.time = doc.at("time");
      r.name = doc.at("crate");
      r.kind = doc.at("kind");
      r.input_key = doc.at("input_key");
      for (const auto& i : doc.at("inputs")) r.inputs.push_back({i.at(0), i.at(1)});
      r.mismatches = doc.at("mismatches").get<std::vector<std::string>>();
      out.push_back(std::move(r));
    } catch (const std::exception&) {
      continue;
    }
  }
  std::sort(out.begin(), out.end(), [](const MissRecord& a, const MissRecord& b) { return a.time > b.time; });
  return out;
}

}  // namespace cratecache
