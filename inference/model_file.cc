#include "inference/model_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "inference/baseline_model.h"
#include "inference/kmeans_model.h"

namespace uplinkd::inference {
namespace {

constexpr std::string_view kMagicLine = "uplinkd-model 1\n";
constexpr size_t kMaxModelFileBytes = 16 * 1024 * 1024;
// Relative tolerance of the self-test: the JSON round trip of doubles is exact, so anything
// beyond float noise means the file and the code disagree.
constexpr double kSelfTestTolerance = 1e-6;

nlohmann::json SpecToJson(const FeatureSpec& spec) {
  return {{"window", spec.window}, {"hop", spec.hop}, {"band_count", spec.band_count},
          {"channels", spec.channels}, {"sample_rate_hz", spec.sample_rate_hz}};
}

FeatureSpec SpecFromJson(const nlohmann::json& json) {
  FeatureSpec spec;
  spec.window = json.at("window").get<uint32_t>();
  spec.hop = json.at("hop").get<uint32_t>();
  spec.band_count = json.at("band_count").get<uint32_t>();
  spec.channels = json.at("channels").get<uint16_t>();
  spec.sample_rate_hz = json.at("sample_rate_hz").get<uint32_t>();
  return spec;
}

}  // namespace

std::string ModelFile::Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string ModelFile::Serialize(AnomalyModel& model, std::span<const float> reference) {
  const ModelInfo& info = model.info();
  ModelScore score;
  model.Score(reference, score);
  nlohmann::json body = {
      {"kind", info.kind},
      {"version", info.version},
      {"spec", SpecToJson(info.spec)},
      {"feature_names", info.feature_names},
      {"threshold", info.threshold},
      {"quantile", info.quantile},
      {"parameters", model.Parameters()},
      {"self_test", {{"input", std::vector<float>(reference.begin(), reference.end())}, {"score", score.score}}},
  };
  std::string text = body.dump() + "\n";
  return fmt::format("{}sha256 {}\n{}", kMagicLine, Sha256Hex(text), text);
}

Result<std::unique_ptr<AnomalyModel>> ModelFile::Parse(std::string_view text) {
  if (!text.starts_with(kMagicLine)) return MakeError(ErrorCode::kInvalidArgument, "not an uplinkd model file (version 1)");
  text.remove_prefix(kMagicLine.size());
  size_t end_of_line = text.find('\n');
  if (end_of_line == std::string_view::npos || !text.starts_with("sha256 ")) {
    return MakeError(ErrorCode::kInvalidArgument, "model file: missing sha256 line");
  }
  std::string_view expected = text.substr(7, end_of_line - 7);
  std::string_view body = text.substr(end_of_line + 1);
  if (Sha256Hex(body) != expected) return MakeError(ErrorCode::kInvalidArgument, "model file: checksum mismatch");

  std::unique_ptr<AnomalyModel> model;
  nlohmann::json self_test;
  try {
    nlohmann::json json = nlohmann::json::parse(body);
    ModelInfo info;
    info.kind = json.at("kind").get<std::string>();
    info.version = json.at("version").get<std::string>();
    info.spec = SpecFromJson(json.at("spec"));
    info.feature_names = json.at("feature_names").get<std::vector<std::string>>();
    info.threshold = json.at("threshold").get<double>();
    info.quantile = json.at("quantile").get<double>();
    if (!std::isfinite(info.threshold) || info.threshold <= 0.0) {
      return MakeError(ErrorCode::kInvalidArgument, "model file: threshold must be a positive number");
    }
    if (info.feature_names.empty()) return MakeError(ErrorCode::kInvalidArgument, "model file: no features");
    const nlohmann::json& parameters = json.at("parameters");
    self_test = json.at("self_test");
    if (info.kind == "baseline") {
      auto loaded = BaselineModel::FromParameters(std::move(info), parameters);
      if (!loaded) return tl::unexpected(loaded.error());
      model = std::move(*loaded);
    } else if (info.kind == "kmeans") {
      auto loaded = KMeansModel::FromParameters(std::move(info), parameters);
      if (!loaded) return tl::unexpected(loaded.error());
      model = std::move(*loaded);
    } else {
      return MakeError(ErrorCode::kInvalidArgument, "model file: unknown kind '" + info.kind + "'");
    }
    auto input = self_test.at("input").get<std::vector<float>>();
    double expected_score = self_test.at("score").get<double>();
    if (input.size() != model->info().feature_names.size()) {
      return MakeError(ErrorCode::kInvalidArgument, "model file: self-test input has the wrong size");
    }
    ModelScore score;
    model->Score(input, score);
    if (!std::isfinite(score.score) ||
        std::abs(score.score - expected_score) > kSelfTestTolerance * std::max(1.0, std::abs(expected_score))) {
      return MakeError(ErrorCode::kRejected, fmt::format("model file: self-test failed (score {} instead of {})",
                                                         score.score, expected_score));
    }
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("model file: ") + e.what());
  }
  return model;
}

Result<void> ModelFile::WriteAtomically(const std::string& path, std::string_view text) {
  std::string temporary = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return MakeError(ErrorCode::kSystem, "open " + temporary, errno);
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      return MakeError(ErrorCode::kSystem, "write " + temporary, saved);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int saved = errno;
    ::unlink(temporary.c_str());
    return MakeError(ErrorCode::kSystem, "fsync " + temporary, saved);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(temporary.c_str());
    return MakeError(ErrorCode::kSystem, "rename to " + path, saved);
  }
  return {};
}

Result<std::unique_ptr<AnomalyModel>> ModelFile::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kNotFound, "cannot open model file " + path, errno);
  std::string text;
  text.resize(kMaxModelFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxModelFileBytes) return MakeError(ErrorCode::kInvalidArgument, "model file too large: " + path);
  auto model = Parse(text);
  if (!model) {
    Error error = model.error();
    error.message = path + ": " + error.message;
    return tl::unexpected(error);
  }
  return model;
}

}  // namespace uplinkd::inference
