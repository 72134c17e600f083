#pragma once
// The worker's configuration file (TOML, docs/inference.md "Worker configuration"). Strict:
// unknown keys, wrong types and out-of-range values are all reported as file:line issues and the
// file is refused as a whole.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "inference/inference_pipeline.h"

namespace uplinkd::inference {

struct StreamConfig {
  uint32_t id = 0;
  std::string name;
  std::string model_file;  // empty: learn a baseline
};

struct MqttConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 1883;
  std::string topic = "uplinkd/sensors/#";
  std::string client_id = "uplinkd-infer";
};

struct WorkerConfig {
  std::string udp_address;  // "" = no UDP ingest
  uint16_t udp_port = 0;
  std::string unix_path;    // "" = no Unix ingest
  PipelineSettings pipeline;
  std::string relay_socket = "/run/uplinkd/alerts.sock";
  std::optional<MqttConfig> mqtt;
  std::vector<StreamConfig> streams;

  // All issues in one error message, one "file:line: problem" per line.
  static Result<WorkerConfig> Load(const std::string& path);
  static Result<WorkerConfig> Parse(const std::string& text, const std::string& name);
};

}  // namespace uplinkd::inference
