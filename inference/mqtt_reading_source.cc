#include "inference/mqtt_reading_source.h"

#include <mosquitto.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "inference/frame_codec.h"

namespace uplinkd::inference {
namespace {

constexpr std::chrono::milliseconds kHousekeepingInterval{500};
constexpr std::chrono::milliseconds kReconnectDelay{2000};

}  // namespace

MqttReadingSource::MqttReadingSource(boost::asio::io_context& io, Scheduler& scheduler, MqttConfig config,
                                     FrameCallback on_frame)
    : io_(io), scheduler_(scheduler), config_(std::move(config)), on_frame_(std::move(on_frame)) {}

MqttReadingSource::~MqttReadingSource() {
  DetachSocket();
  if (client_ != nullptr) {
    mosquitto_disconnect(client_);
    mosquitto_destroy(client_);
  }
}

Result<std::unique_ptr<MqttReadingSource>> MqttReadingSource::Create(boost::asio::io_context& io, Scheduler& scheduler,
                                                                     const MqttConfig& config, FrameCallback on_frame) {
  static const int initialised = mosquitto_lib_init();
  if (initialised != MOSQ_ERR_SUCCESS) return MakeError(ErrorCode::kSystem, "mosquitto_lib_init failed");
  std::unique_ptr<MqttReadingSource> source(new MqttReadingSource(io, scheduler, config, std::move(on_frame)));
  source->client_ = mosquitto_new(config.client_id.c_str(), true, source.get());
  if (source->client_ == nullptr) return MakeError(ErrorCode::kSystem, "mosquitto_new failed", errno);
  mosquitto_connect_callback_set(source->client_, [](mosquitto*, void* self, int rc) {
    auto* me = static_cast<MqttReadingSource*>(self);
    if (rc != 0) {
      me->log_.Warning("mqtt {}:{}: connection refused ({})", me->config_.host, me->config_.port, mosquitto_connack_string(rc));
      return;
    }
    me->connected_ = true;
    ++me->stats_.connects;
    me->log_.Info("mqtt {}:{}: connected, subscribing to {}", me->config_.host, me->config_.port, me->config_.topic);
    mosquitto_subscribe(me->client_, nullptr, me->config_.topic.c_str(), 0);
  });
  mosquitto_disconnect_callback_set(source->client_, [](mosquitto*, void* self, int) {
    static_cast<MqttReadingSource*>(self)->connected_ = false;
  });
  mosquitto_message_callback_set(source->client_, [](mosquitto*, void* self, const mosquitto_message* message) {
    static_cast<MqttReadingSource*>(self)->OnMessage(*message);
  });
  source->Connect();
  source->Housekeeping();
  return source;
}

void MqttReadingSource::Connect() {
  // connect_async only starts the TCP connect; the handshake is driven by the socket events.
  int rc = mosquitto_connect_async(client_, config_.host.c_str(), config_.port, 30);
  if (rc != MOSQ_ERR_SUCCESS) {
    log_.Warning("mqtt {}:{}: connect failed: {}; retrying", config_.host, config_.port, mosquitto_strerror(rc));
    reconnect_ = scheduler_.RunAfter(kReconnectDelay, [this] { Connect(); });
    return;
  }
  AttachSocket();
}

void MqttReadingSource::AttachSocket() {
  DetachSocket();
  int fd = mosquitto_socket(client_);
  if (fd < 0) return;
  socket_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, fd);
  WaitReadable();
  if (mosquitto_want_write(client_)) WaitWritable();
}

void MqttReadingSource::DetachSocket() {
  if (!socket_) return;
  // libmosquitto owns the fd: cancel our waits and let go of it without closing it.
  boost::system::error_code ignored;
  socket_->cancel(ignored);
  socket_->release();
  socket_.reset();
  write_waiting_ = false;
}

void MqttReadingSource::WaitReadable() {
  socket_->async_wait(boost::asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& error) {
    if (error) return;
    HandleResult(mosquitto_loop_read(client_, 1), "read");
    if (socket_) {
      WaitReadable();
      if (mosquitto_want_write(client_)) WaitWritable();
    }
  });
}

void MqttReadingSource::WaitWritable() {
  if (write_waiting_ || !socket_) return;
  write_waiting_ = true;
  socket_->async_wait(boost::asio::posix::descriptor_base::wait_write, [this](const boost::system::error_code& error) {
    write_waiting_ = false;
    if (error) return;
    HandleResult(mosquitto_loop_write(client_, 1), "write");
    if (socket_ && mosquitto_want_write(client_)) WaitWritable();
  });
}

void MqttReadingSource::Housekeeping() {
  // Keep-alive pings and retries live in loop_misc; it must run regularly.
  if (client_ != nullptr && socket_) {
    HandleResult(mosquitto_loop_misc(client_), "misc");
    if (socket_ && mosquitto_want_write(client_)) WaitWritable();
  }
  housekeeping_ = scheduler_.RunAfter(kHousekeepingInterval, [this] { Housekeeping(); });
}

void MqttReadingSource::HandleResult(int rc, const char* what) {
  if (rc == MOSQ_ERR_SUCCESS) return;
  connected_ = false;
  log_.Warning("mqtt {}:{}: {} failed: {}; reconnecting", config_.host, config_.port, what, mosquitto_strerror(rc));
  DetachSocket();
  reconnect_ = scheduler_.RunAfter(kReconnectDelay, [this] {
    if (mosquitto_reconnect_async(client_) == MOSQ_ERR_SUCCESS) {
      AttachSocket();
    } else {
      HandleResult(MOSQ_ERR_NO_CONN, "reconnect");
    }
  });
}

Result<void> MqttReadingSource::ParseReading(std::string_view text, SensorFrame& frame) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return MakeError(ErrorCode::kInvalidArgument, "not a JSON object");
  if (!json.contains("stream") || !json["stream"].is_number_unsigned() || json["stream"].get<uint64_t>() > 0xffffffffu) {
    return MakeError(ErrorCode::kInvalidArgument, "stream must be an unsigned 32-bit integer");
  }
  if (!json.contains("rate_hz") || !json["rate_hz"].is_number() || json["rate_hz"].get<double>() < 1 ||
      json["rate_hz"].get<double>() > kMaxFrameSampleRateHz) {
    return MakeError(ErrorCode::kInvalidArgument, "rate_hz must be a number from 1 to 1000000");
  }
  frame.stream_id = json["stream"].get<uint32_t>();
  frame.sample_rate_hz = static_cast<uint32_t>(std::lround(json["rate_hz"].get<double>()));
  frame.timestamp_ns = 0;
  frame.samples.clear();
  nlohmann::json rows;
  if (json.contains("values")) {
    rows = nlohmann::json::array({json["values"]});
  } else if (json.contains("samples")) {
    rows = json["samples"];
  } else {
    return MakeError(ErrorCode::kInvalidArgument, "needs values or samples");
  }
  if (!rows.is_array() || rows.empty() || rows.size() > 65536) return MakeError(ErrorCode::kInvalidArgument, "bad samples");
  size_t channels = 0;
  for (const auto& row : rows) {
    if (!row.is_array() || row.empty() || row.size() > kMaxFrameChannels) {
      return MakeError(ErrorCode::kInvalidArgument, "each sample must be an array of 1 to 64 numbers");
    }
    if (channels == 0) channels = row.size();
    if (row.size() != channels) return MakeError(ErrorCode::kInvalidArgument, "rows differ in channel count");
    for (const auto& value : row) {
      // Finite as a float: 1e300 is a finite double but inf as the float the pipeline keeps
      // (found by tests/fuzz/mqtt_reading_fuzzer).
      float sample = value.is_number() ? value.get<float>() : 0.0f;
      if (!value.is_number() || !std::isfinite(value.get<double>()) || !std::isfinite(sample)) {
        return MakeError(ErrorCode::kInvalidArgument, "samples must be finite numbers within float range");
      }
      frame.samples.push_back(sample);
    }
  }
  frame.channel_count = static_cast<uint16_t>(channels);
  return {};
}

void MqttReadingSource::OnMessage(const mosquitto_message& message) {
  auto parsed = ParseReading(std::string_view(static_cast<const char*>(message.payload),
                                              static_cast<size_t>(std::max(message.payloadlen, 0))),
                             frame_);
  if (!parsed) {
    ++stats_.bad_messages;
    SteadyTime now = scheduler_.Now();
    if (stats_.bad_messages == 1 || now - last_bad_log_ >= std::chrono::seconds(10)) {
      log_.Warning("mqtt: dropped bad reading on {} ({} so far): {}", message.topic, stats_.bad_messages,
                   parsed.error().message);
      last_bad_log_ = now;
    }
    return;
  }
  ++stats_.messages;
  // MQTT readings carry no sequence; number them so the windower sees a continuous stream.
  frame_.sequence = sequences_[frame_.stream_id]++;
  on_frame_(frame_);
}

}  // namespace uplinkd::inference
