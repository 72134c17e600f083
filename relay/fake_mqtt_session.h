#pragma once
// A scripted broker for tests of the delivery state machine: the factory makes FakeMqttSessions,
// and the test accepts, drops or acknowledges them by hand.
#include <algorithm>
#include <string>
#include <vector>

#include "relay/mqtt_session.h"

namespace uplinkd::relay {

class FakeMqttBroker;

class FakeMqttSession : public MqttSession {
 public:
  struct Published {
    int message_id;
    std::string topic;
    std::string payload;
    int qos;
  };
  FakeMqttSession(FakeMqttBroker& broker, std::string path, SocketOptions options, MqttSessionHandlers handlers);
  ~FakeMqttSession() override;

  Result<void> Connect() override;
  Result<int> Publish(const std::string& topic, const std::string& payload, int qos) override;
  void ApplySocketOptions(const SocketOptions& options) override { options_ = options; }

  // The test's side.
  void AcceptConnection() { handlers_.on_connected(); }
  void Drop(const std::string& reason) { handlers_.on_ended(reason); }  // may destroy this session
  void Acknowledge(int message_id) { handlers_.on_acknowledged(message_id); }
  const std::vector<Published>& published() const { return published_; }
  const SocketOptions& options() const { return options_; }
  const std::string& path() const { return path_; }  // what the factory was given
  bool connect_called() const { return connect_called_; }

 private:
  FakeMqttBroker& broker_;
  std::string path_;
  SocketOptions options_;
  MqttSessionHandlers handlers_;
  std::vector<Published> published_;
  int next_message_id_ = 1;
  bool connect_called_ = false;
};

class FakeMqttBroker {
 public:
  MqttSessionFactory Factory();
  // The newest live session, or nullptr.
  FakeMqttSession* session() const { return session_; }
  // Several deliverers on one broker (one per Wan): the live session whose socket is bound to
  // `bind_address`, or nullptr.
  FakeMqttSession* SessionBoundTo(const std::string& bind_address) const;
  const std::vector<FakeMqttSession*>& live_sessions() const { return live_; }
  int sessions_made() const { return sessions_made_; }
  // Makes the next Connect() calls fail at once (as a refused socket would).
  void set_connect_fails(bool fails) { connect_fails_ = fails; }
  bool connect_fails() const { return connect_fails_; }
  void set_publish_fails(bool fails) { publish_fails_ = fails; }
  bool publish_fails() const { return publish_fails_; }

 private:
  friend class FakeMqttSession;
  FakeMqttSession* session_ = nullptr;
  std::vector<FakeMqttSession*> live_;
  int sessions_made_ = 0;
  bool connect_fails_ = false;
  bool publish_fails_ = false;
};

}  // namespace uplinkd::relay
