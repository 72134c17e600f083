#pragma once
// Reads a CSV of samples: one row per sample instant, one column per channel. A first line that
// does not parse as numbers is taken as a header. Used by `train` and `replay`.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace uplinkd::inference {

class CsvSampleReader {
 public:
  static Result<CsvSampleReader> Open(const std::string& path);

  uint16_t channels() const { return channels_; }
  // Appends up to `rows` rows (interleaved) to `out`; returns how many were read, 0 at the end.
  // A malformed row is an error naming its line.
  Result<size_t> Read(size_t rows, std::vector<float>& out);

 private:
  CsvSampleReader() = default;
  static bool ParseRow(const std::string& line, std::vector<float>& values);

  std::string path_;
  std::unique_ptr<std::ifstream> in_;
  uint16_t channels_ = 0;
  size_t line_number_ = 0;
  std::vector<float> pending_;  // the first data row, read while detecting the channel count
  std::vector<float> row_;
};

}  // namespace uplinkd::inference
