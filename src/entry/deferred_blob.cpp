#include "entry/deferred_blob.h"

#include <unistd.h>

#include "entry/entry.h"
#include "util/fs.h"

namespace cratecache {
namespace {

// Keeps the one wanted blob; every other blob is deferred, so decoding stops right after it.
class OneBlobSink : public BlobSink {
 public:
  explicit OneBlobSink(const std::string& name) : name_(name) {}
  void begin(const Blob& header) override { blob_ = header; }
  void data(const char* bytes, size_t size) override { blob_.data.append(bytes, size); }
  void end() override { found_ = true; }
  void abandon() override { blob_.data.clear(); }
  bool defers(const Blob& header) const override { return found_ || header.name != name_; }

  bool found() const { return found_; }
  const Blob& blob() const { return blob_; }

 private:
  const std::string& name_;
  Blob blob_;
  bool found_ = false;
};

}  // namespace

bool link_entry(const std::string& entry_path, const std::string& link_path) {
  ::unlink(link_path.c_str());
  return ::link(entry_path.c_str(), link_path.c_str()) == 0;
}

std::string deferred_blob_digest(const std::string& entry_path, const std::string& name) {
  for (const Blob& blob : peek_entry_blobs(read_file(entry_path))) {
    if (blob.name == name) return blob.digest;
  }
  throw CorruptEntry(entry_path + " has no " + name);
}

void extract_blob(std::string_view entry_bytes, const std::string& name, const std::string& dest) {
  OneBlobSink sink(name);
  decode_entry(entry_bytes, sink);
  if (!sink.found()) throw CorruptEntry("entry has no " + name);
  write_file_atomic(dest, sink.blob().data, sink.blob().mode);
}

}  // namespace cratecache
