#include "inference/worker_config.h"

#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml.hpp>

namespace uplinkd::inference {
namespace {

// Reads one table against the schema its callers spell out; every key read is marked known, and
// Finish() reports the rest. Issues accumulate instead of throwing.
class StrictTable {
 public:
  StrictTable(const toml::value& table, std::string path, const std::string& file, std::vector<std::string>& issues)
      : table_(table), path_(std::move(path)), file_(file), issues_(issues) {}

  template <typename T>
  void Integer(const std::string& key, T& out, int64_t min, int64_t max) {
    const toml::value* value = Find(key);
    if (value == nullptr) return;
    if (!value->is_integer() || value->as_integer() < min || value->as_integer() > max) {
      Issue(*value, fmt::format("{} must be an integer from {} to {}", Name(key), min, max));
      return;
    }
    out = static_cast<T>(value->as_integer());
  }
  void Number(const std::string& key, double& out, double min, double max) {
    const toml::value* value = Find(key);
    if (value == nullptr) return;
    double number = 0.0;
    if (value->is_floating()) {
      number = value->as_floating();
    } else if (value->is_integer()) {
      number = static_cast<double>(value->as_integer());
    } else {
      Issue(*value, Name(key) + " must be a number");
      return;
    }
    if (!(number >= min && number <= max)) {
      Issue(*value, fmt::format("{} must be from {} to {}", Name(key), min, max));
      return;
    }
    out = number;
  }
  void String(const std::string& key, std::string& out, bool required = false) {
    const toml::value* value = Find(key);
    if (value == nullptr) {
      if (required) Issue(table_, Name(key) + " is required");
      return;
    }
    if (!value->is_string()) {
      Issue(*value, Name(key) + " must be a string");
      return;
    }
    out = value->as_string().str;
  }
  const toml::value* Find(const std::string& key) {
    known_.insert(key);
    if (!table_.is_table() || table_.as_table().count(key) == 0) return nullptr;
    return &table_.as_table().at(key);
  }
  void Finish() {
    if (!table_.is_table()) return;
    for (const auto& [key, value] : table_.as_table()) {
      if (known_.count(key) == 0) Issue(value, "unknown key " + Name(key));
    }
  }
  void Issue(const toml::value& at, const std::string& message) {
    auto line = at.location().line();
    if (line == 0) line = table_.location().line();
    issues_.push_back(line > 0 ? fmt::format("{}:{}: {}", file_, line, message) : fmt::format("{}: {}", file_, message));
  }

 private:
  std::string Name(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const toml::value& table_;
  std::string path_;
  const std::string& file_;
  std::vector<std::string>& issues_;
  std::set<std::string> known_;
};

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
  toml::value root;
  try {
    std::istringstream stream(text);
    root = toml::parse(stream, name);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, e.what());
  }
  WorkerConfig config;
  std::vector<std::string> issues;
  StrictTable top(root, "", name, issues);
  auto section = [&](const std::string& key, const std::function<void(StrictTable&)>& read) {
    const toml::value* value = top.Find(key);
    if (value == nullptr) return;
    if (!value->is_table()) {
      top.Issue(*value, key + " must be a table");
      return;
    }
    StrictTable table(*value, key, name, issues);
    read(table);
    table.Finish();
  };
  section("ingest", [&](StrictTable& t) {
    std::string udp;
    t.String("udp", udp);
    if (!udp.empty() && !SplitHostPort(udp, config.udp_address, config.udp_port)) {
      t.Issue(*t.Find("udp"), "ingest.udp must be \"address:port\"");
    }
    t.String("unix", config.unix_path);
    t.Integer("max_streams", config.pipeline.max_streams, 1, 1024);
  });
  section("features", [&](StrictTable& t) {
    t.Integer("window", config.pipeline.window, 64, 65536);
    t.Integer("hop", config.pipeline.hop, 1, 65536);
    t.Integer("bands", config.pipeline.band_count, 1, 64);
  });
  section("baseline", [&](StrictTable& t) {
    t.Integer("learn_windows", config.pipeline.learn_windows, 50, 1'000'000);
    t.Number("quantile", config.pipeline.baseline_quantile, 0.5, 1.0);
    t.Number("margin", config.pipeline.baseline_margin, 0.5, 100.0);
    t.String("save_dir", config.pipeline.baseline_dir);
  });
  section("alerts", [&](StrictTable& t) {
    AlertPolicy& policy = config.pipeline.alert_policy;
    t.String("relay_socket", config.relay_socket);
    t.Integer("k", policy.k, 1, 1000);
    t.Integer("n", policy.n, 1, 1000);
    t.Integer("clear_windows", policy.clear_windows, 1, 100000);
    t.Number("major_ratio", policy.major_ratio, 1.0, 1000.0);
    t.Number("critical_ratio", policy.critical_ratio, 1.0, 1000.0);
    t.Number("max_per_minute", policy.max_events_per_minute, 0.01, 6000.0);
    t.Number("burst", policy.burst, 1.0, 1000.0);
    if (policy.k > policy.n) t.Issue(*t.Find("k"), "alerts.k must not exceed alerts.n");
  });
  section("mqtt", [&](StrictTable& t) {
    MqttConfig mqtt;
    t.String("host", mqtt.host);
    t.Integer("port", mqtt.port, 1, 65535);
    t.String("topic", mqtt.topic);
    t.String("client_id", mqtt.client_id);
    config.mqtt = mqtt;
  });
  if (const toml::value* streams = top.Find("stream")) {
    if (!streams->is_array()) {
      top.Issue(*streams, "stream must be an array of tables ([[stream]])");
    } else {
      std::set<uint32_t> ids;
      for (size_t i = 0; i < streams->as_array().size(); ++i) {
        const toml::value& entry = streams->as_array()[i];
        StrictTable t(entry, fmt::format("stream[{}]", i), name, issues);
        if (!entry.is_table()) {
          t.Issue(entry, "stream entries must be tables");
          continue;
        }
        StreamConfig stream;
        if (t.Find("id") == nullptr) t.Issue(entry, fmt::format("stream[{}].id is required", i));
        t.Integer("id", stream.id, 0, 0xffffffff);
        t.String("name", stream.name);
        t.String("model", stream.model_file);
        t.Finish();
        if (!ids.insert(stream.id).second) t.Issue(entry, fmt::format("stream id {} appears twice", stream.id));
        if (stream.name.empty()) stream.name = fmt::format("stream-{}", stream.id);
        config.pipeline.stream_names[stream.id] = stream.name;
        config.streams.push_back(stream);
      }
    }
  }
  top.Finish();
  if (config.pipeline.hop > config.pipeline.window) issues.push_back(name + ": features.hop must not exceed features.window");
  if (config.udp_address.empty() && config.unix_path.empty() && !config.mqtt) {
    issues.push_back(name + ": no ingest configured (ingest.udp, ingest.unix or [mqtt])");
  }
  if (!issues.empty()) {
    std::string message;
    for (const auto& issue : issues) message += (message.empty() ? "" : "\n") + issue;
    return MakeError(ErrorCode::kInvalidArgument, message);
  }
  return config;
}

Result<WorkerConfig> WorkerConfig::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return MakeError(ErrorCode::kNotFound, "cannot read " + path, errno);
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

}  // namespace uplinkd::inference
