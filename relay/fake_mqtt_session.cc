#include "relay/fake_mqtt_session.h"

namespace uplinkd::relay {

FakeMqttSession::FakeMqttSession(FakeMqttBroker& broker, std::string path, SocketOptions options,
                                 MqttSessionHandlers handlers)
    : broker_(broker), path_(std::move(path)), options_(std::move(options)), handlers_(std::move(handlers)) {
  broker_.session_ = this;
  broker_.live_.push_back(this);
  ++broker_.sessions_made_;
}

FakeMqttSession::~FakeMqttSession() {
  std::erase(broker_.live_, this);
  if (broker_.session_ == this) broker_.session_ = broker_.live_.empty() ? nullptr : broker_.live_.back();
}

FakeMqttSession* FakeMqttBroker::SessionBoundTo(const std::string& bind_address) const {
  for (auto* session : live_) {
    if (session->options().bind_address == bind_address) return session;
  }
  return nullptr;
}

Result<void> FakeMqttSession::Connect() {
  connect_called_ = true;
  if (broker_.connect_fails()) return MakeError(ErrorCode::kUnavailable, "connection refused", 111);
  return {};
}

Result<int> FakeMqttSession::Publish(const std::string& topic, const std::string& payload, int qos) {
  if (broker_.publish_fails()) return MakeError(ErrorCode::kUnavailable, "the connection was lost");
  int message_id = next_message_id_++;
  published_.push_back({message_id, topic, payload, qos});
  return message_id;
}

MqttSessionFactory FakeMqttBroker::Factory() {
  return [this](const std::string& path, const SocketOptions& options, MqttSessionHandlers handlers) -> Result<std::unique_ptr<MqttSession>> {
    return std::unique_ptr<MqttSession>(std::make_unique<FakeMqttSession>(*this, path, options, std::move(handlers)));
  };
}

}  // namespace uplinkd::relay
