#pragma once
// An entry decoded with every blob in memory: for tests, not the hit path (which streams blobs to
// their files, job/materialise.h).
#include <string_view>

#include "entry/entry.h"

namespace cratecache {

inline Entry decode_all(std::string_view bytes) {
  class CollectingSink : public BlobSink {
   public:
    explicit CollectingSink(Entry& entry) : entry_(entry) {}
    void begin(const Blob& header) override { entry_.blobs.push_back(header); }
    void data(const char* bytes, size_t size) override { entry_.blobs.back().data.append(bytes, size); }
    void end() override {}
    void abandon() override { entry_.blobs.pop_back(); }

   private:
    Entry& entry_;
  };
  Entry entry;
  CollectingSink sink(entry);
  EntryInfo info = decode_entry(bytes, sink);
  entry.crate_name = info.crate_name;
  entry.unit_kind = info.unit_kind;
  entry.toolchain = info.toolchain;
  entry.compile_ms = info.compile_ms;
  return entry;
}

}  // namespace cratecache
