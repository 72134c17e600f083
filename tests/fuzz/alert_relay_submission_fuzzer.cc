// The relay's submission handling (relay/alert_relay): any datagram gets exactly one JSON reply
// the sender's codec understands, and only an ok reply adds to the outbox.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "base/asio_scheduler.h"
#include "base/logger.h"
#include "inference/alert_submission_codec.h"
#include "relay/alert_relay.h"
#include "relay/fake_mqtt_session.h"

namespace {

using namespace uplinkd;

struct Relay {
  Relay() {
    char pattern[] = "/tmp/uplinkd-fuzz-relay-XXXXXX";
    dir = ::mkdtemp(pattern);
    relay::AlertRelaySettings settings;
    settings.socket_path = dir + "/alerts.sock";
    settings.outbox_path = dir + "/outbox.sqlite";
    settings.max_alerts = 50;
    auto made = relay::AlertRelay::Create(io, scheduler, settings, broker.Factory());
    if (!made) std::abort();
    instance = std::move(*made);
  }
  ~Relay() {
    instance.reset();
    for (const char* name : {"/alerts.sock", "/outbox.sqlite", "/outbox.sqlite-wal", "/outbox.sqlite-shm"}) {
      ::unlink((dir + name).c_str());
    }
    ::rmdir(dir.c_str());
  }
  std::string dir;
  boost::asio::io_context io;
  AsioScheduler scheduler{io};
  relay::FakeMqttBroker broker;
  std::unique_ptr<relay::AlertRelay> instance;
};

Relay& TheRelay() {
  // One relay for the whole run (opening SQLite per input would measure SQLite); removed at exit.
  static Relay* relay = [] {
    Logger::SetMaxLevel(LogLevel::kError);  // refusals are logged as warnings: keep the run quiet
    static Relay made;
    return &made;
  }();
  return *relay;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Relay& relay = TheRelay();
  std::string_view datagram(reinterpret_cast<const char*>(data), size);
  uint64_t accepted = relay.instance->stats().accepted + relay.instance->stats().duplicates;
  auto reply = inference::AlertSubmissionCodec::ParseReply(relay.instance->HandleSubmission(datagram));
  if (!reply) std::abort();
  uint64_t now = relay.instance->stats().accepted + relay.instance->stats().duplicates;
  if (reply->ok != (now == accepted + 1)) std::abort();
  if (!reply->ok && reply->error.empty()) std::abort();
  return 0;
}
