#include "inference/csv_sample_reader.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace uplinkd::inference {

bool CsvSampleReader::ParseRow(const std::string& line, std::vector<float>& values) {
  values.clear();
  const char* p = line.data();
  const char* end = p + line.size();
  while (end > p && (end[-1] == '\r' || end[-1] == ' ')) --end;
  if (p == end) return false;
  while (p <= end) {
    while (p < end && *p == ' ') ++p;
    float value = 0.0f;
    auto [next, error] = std::from_chars(p, end, value);
    if (error != std::errc() || !std::isfinite(value)) return false;
    values.push_back(value);
    while (next < end && *next == ' ') ++next;
    if (next == end) return true;
    if (*next != ',') return false;
    p = next + 1;
  }
  return false;
}

Result<CsvSampleReader> CsvSampleReader::Open(const std::string& path) {
  CsvSampleReader reader;
  reader.path_ = path;
  reader.in_ = std::make_unique<std::ifstream>(path);
  if (!*reader.in_) return MakeError(ErrorCode::kNotFound, "cannot open " + path, errno);
  std::string line;
  while (std::getline(*reader.in_, line)) {
    ++reader.line_number_;
    if (ParseRow(line, reader.pending_)) break;
    if (reader.line_number_ > 1) {
      return MakeError(ErrorCode::kInvalidArgument, fmt::format("{}:{}: not a row of numbers", path, reader.line_number_));
    }
  }
  if (reader.pending_.empty()) return MakeError(ErrorCode::kInvalidArgument, path + ": no samples");
  if (reader.pending_.size() > 64) return MakeError(ErrorCode::kInvalidArgument, path + ": more than 64 columns");
  reader.channels_ = static_cast<uint16_t>(reader.pending_.size());
  return reader;
}

Result<size_t> CsvSampleReader::Read(size_t rows, std::vector<float>& out) {
  size_t read = 0;
  if (!pending_.empty() && rows > 0) {
    out.insert(out.end(), pending_.begin(), pending_.end());
    pending_.clear();
    ++read;
  }
  std::string line;
  while (read < rows && std::getline(*in_, line)) {
    ++line_number_;
    if (line.empty() || line == "\r") continue;
    if (!ParseRow(line, row_) || row_.size() != channels_) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("{}:{}: expected {} numbers", path_, line_number_, channels_));
    }
    out.insert(out.end(), row_.begin(), row_.end());
    ++read;
  }
  return read;
}

}  // namespace uplinkd::inference
