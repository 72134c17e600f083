#include "inference/worker_config.h"

#include <set>

#include <fmt/format.h>
#include <toml.hpp>

#include "base/toml_document.h"
#include "base/toml_section.h"

namespace uplinkd::inference {
namespace {

template <typename T>
void Assign(std::optional<int64_t> value, T& out) {
  if (value) out = static_cast<T>(*value);
}

void Assign(std::optional<double> value, double& out) {
  if (value) out = *value;
}

void Assign(std::optional<std::string> value, std::string& out) {
  if (value) out = std::move(*value);
}

bool SplitHostPort(const std::string& text, std::string& host, uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = text.substr(0, colon);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  try {
    size_t used = 0;
    int value = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || value < 0 || value > 65535) return false;
    port = static_cast<uint16_t>(value);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

}  // namespace

Result<WorkerConfig> WorkerConfig::Parse(const std::string& text, const std::string& name) {
  auto parsed = config::TomlDocument::Parse(text, name);
  if (!parsed) return MakeError(ErrorCode::kInvalidArgument, parsed.error().ToString());
  const toml::value& root = *parsed;
  WorkerConfig config;
  std::vector<config::ConfigIssue> issues;
  config::TomlSection top(root, "", name, issues);
  if (auto t = top.Table("ingest")) {
    std::string udp;
    Assign(t->String("udp"), udp);
    if (!udp.empty() && !SplitHostPort(udp, config.udp_address, config.udp_port)) {
      t->Fail("udp", "must be \"address:port\"");
    }
    Assign(t->String("unix"), config.unix_path);
    Assign(t->Integer("max_streams", 1, 1024), config.pipeline.max_streams);
    t->RejectUnknownKeys();
  }
  if (auto t = top.Table("features")) {
    Assign(t->Integer("window", 64, 65536), config.pipeline.window);
    Assign(t->Integer("hop", 1, 65536), config.pipeline.hop);
    Assign(t->Integer("bands", 1, 64), config.pipeline.band_count);
    if (config.pipeline.hop > config.pipeline.window) t->Fail("hop", "must not exceed features.window");
    t->RejectUnknownKeys();
  }
  if (auto t = top.Table("baseline")) {
    Assign(t->Integer("learn_windows", 50, 1'000'000), config.pipeline.learn_windows);
    Assign(t->Number("quantile", 0.5, 1.0), config.pipeline.baseline_quantile);
    Assign(t->Number("margin", 0.5, 100.0), config.pipeline.baseline_margin);
    Assign(t->String("save_dir"), config.pipeline.baseline_dir);
    t->RejectUnknownKeys();
  }
  if (auto t = top.Table("alerts")) {
    AlertPolicy& policy = config.pipeline.alert_policy;
    Assign(t->String("relay_socket"), config.relay_socket);
    Assign(t->Integer("k", 1, 1000), policy.k);
    Assign(t->Integer("n", 1, 1000), policy.n);
    Assign(t->Integer("clear_windows", 1, 100000), policy.clear_windows);
    Assign(t->Number("major_ratio", 1.0, 1000.0), policy.major_ratio);
    Assign(t->Number("critical_ratio", 1.0, 1000.0), policy.critical_ratio);
    Assign(t->Number("max_per_minute", 0.01, 6000.0), policy.max_events_per_minute);
    Assign(t->Number("burst", 1.0, 1000.0), policy.burst);
    if (policy.k > policy.n) t->Fail("k", "must not exceed alerts.n");
    t->RejectUnknownKeys();
  }
  if (auto t = top.Table("mqtt")) {
    MqttConfig mqtt;
    Assign(t->String("host"), mqtt.host);
    Assign(t->Integer("port", 1, 65535), mqtt.port);
    Assign(t->String("topic"), mqtt.topic);
    Assign(t->String("client_id"), mqtt.client_id);
    t->RejectUnknownKeys();
    config.mqtt = mqtt;
  }
  std::set<uint32_t> ids;
  for (auto& t : top.TableArray("stream")) {
    StreamConfig stream;
    auto id = t.Integer("id", 0, 0xffffffff, true);
    Assign(id, stream.id);
    Assign(t.String("name"), stream.name);
    Assign(t.String("model"), stream.model_file);
    t.RejectUnknownKeys();
    if (id && !ids.insert(stream.id).second) t.Fail("id", fmt::format("stream id {} appears twice", stream.id));
    if (stream.name.empty()) stream.name = fmt::format("stream-{}", stream.id);
    config.pipeline.stream_names[stream.id] = stream.name;
    config.streams.push_back(stream);
  }
  top.RejectUnknownKeys();
  if (config.udp_address.empty() && config.unix_path.empty() && !config.mqtt) {
    issues.push_back({name, 0, "no ingest configured (ingest.udp, ingest.unix or [mqtt])"});
  }
  if (!issues.empty()) {
    std::string message;
    for (const auto& issue : issues) message += (message.empty() ? "" : "\n") + issue.ToString();
    return MakeError(ErrorCode::kInvalidArgument, message);
  }
  return config;
}

Result<WorkerConfig> WorkerConfig::Load(const std::string& path) {
  auto text = config::TomlDocument::Read(path);
  if (!text) return MakeError(ErrorCode::kNotFound, text.error().ToString());
  return Parse(*text, path);
}

}  // namespace uplinkd::inference
