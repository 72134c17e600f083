#pragma once
// The model file (docs/inference.md, "Model files"): a two-line header with the format version and
// the SHA-256 of the body, then a JSON body with the model's info, parameters and a self-test
// (a reference feature vector and the score it must produce). A file is accepted only when the
// checksum matches, the parameters are well-formed and the self-test reproduces its score.
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "inference/anomaly_model.h"

namespace uplinkd::inference {

class ModelFile {
 public:
  // Serialises `model`; `reference` becomes the self-test input (its score is recorded).
  static std::string Serialize(AnomalyModel& model, std::span<const float> reference);
  static Result<std::unique_ptr<AnomalyModel>> Parse(std::string_view text);

  // Writes to a temporary file in the same directory, fsyncs it and renames it over `path`, so a
  // reader sees the old file or the new one, never half of one.
  static Result<void> WriteAtomically(const std::string& path, std::string_view text);
  static Result<std::unique_ptr<AnomalyModel>> Load(const std::string& path);

  static std::string Sha256Hex(std::string_view data);
};

}  // namespace uplinkd::inference
