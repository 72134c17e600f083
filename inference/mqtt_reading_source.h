#pragma once
// Subscribes to JSON sensor readings on a local MQTT broker (libmosquitto, its socket driven from
// the io_context: no mosquitto thread) and turns each message into a SensorFrame:
//   {"stream": 5, "rate_hz": 10, "values": [v_ch0, v_ch1, ...]}        one sample per channel
//   {"stream": 5, "rate_hz": 10, "samples": [[v_ch0, ...], [...], ...]}  several samples
// Malformed messages are counted and dropped with a rate-limited log line.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "base/logger.h"
#include "base/result.h"
#include "base/scheduler.h"
#include "inference/sensor_frame.h"
#include "inference/worker_config.h"

struct mosquitto;
struct mosquitto_message;

namespace uplinkd::inference {

class MqttReadingSource {
 public:
  struct Stats {
    uint64_t messages = 0, bad_messages = 0, connects = 0;
  };
  using FrameCallback = std::function<void(const SensorFrame&)>;

  static Result<std::unique_ptr<MqttReadingSource>> Create(boost::asio::io_context& io, Scheduler& scheduler,
                                                           const MqttConfig& config, FrameCallback on_frame);
  ~MqttReadingSource();
  MqttReadingSource(const MqttReadingSource&) = delete;
  MqttReadingSource& operator=(const MqttReadingSource&) = delete;

  const Stats& stats() const { return stats_; }
  bool connected() const { return connected_; }
  // Parses one message body into `frame` (exposed for tests).
  static Result<void> ParseReading(std::string_view json, SensorFrame& frame);

 private:
  MqttReadingSource(boost::asio::io_context& io, Scheduler& scheduler, MqttConfig config, FrameCallback on_frame);
  void Connect();
  void AttachSocket();
  void DetachSocket();
  void WaitReadable();
  void WaitWritable();
  void Housekeeping();
  void HandleResult(int rc, const char* what);
  void OnMessage(const mosquitto_message& message);

  boost::asio::io_context& io_;
  Scheduler& scheduler_;
  MqttConfig config_;
  FrameCallback on_frame_;
  mosquitto* client_ = nullptr;
  std::unique_ptr<boost::asio::posix::stream_descriptor> socket_;
  bool write_waiting_ = false;
  bool connected_ = false;
  TimerHandle housekeeping_;
  TimerHandle reconnect_;
  SensorFrame frame_;
  std::map<uint32_t, uint64_t> sequences_;
  Stats stats_;
  SteadyTime last_bad_log_{};
  Logger log_{LogModule::kInference};
};

}  // namespace uplinkd::inference
