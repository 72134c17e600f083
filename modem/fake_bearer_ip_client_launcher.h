#pragma once
// BearerIpClientLauncher for tests: no processes. A test reads what was started and plays the
// helper's part (a lease bound or lost, pppd exiting); listener calls are delivered later through
// the Scheduler, like the real launcher's, and never to a client that has been destroyed.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/scheduler.h"
#include "modem/bearer_ip_client.h"

namespace uplinkd::modem {

class FakeBearerIpClientLauncher : public BearerIpClientLauncher {
 public:
  explicit FakeBearerIpClientLauncher(Scheduler& scheduler) : scheduler_(scheduler) {}

  Result<std::unique_ptr<BearerIpClient>> Start(const BearerIpClientRequest& request,
                                                BearerIpClient::Listener listener) override;

  // Control, by the request's modem_name; each acts on that modem's newest running client.
  void Configure(const std::string& modem_name, const BearerIpLease& lease);
  void Lose(const std::string& modem_name, const std::string& reason);
  void Exit(const std::string& modem_name, const std::string& reason);  // the process ended by itself
  void FailNextStart(Error error) { next_start_error_ = std::move(error); }

  // Observation.
  bool running(const std::string& modem_name) const;
  uint32_t starts(const std::string& modem_name) const;
  uint32_t stops(const std::string& modem_name) const;  // clients destroyed while running
  const BearerIpClientRequest* last_request(const std::string& modem_name) const;

 private:
  struct Session {
    BearerIpClientRequest request;
    BearerIpClient::Listener listener;
    bool running = true;
  };
  class FakeClient;

  std::shared_ptr<Session> Newest(const std::string& modem_name) const;
  void Deliver(const std::shared_ptr<Session>& session, std::function<void(Session&)> action);

  Scheduler& scheduler_;
  std::vector<std::shared_ptr<Session>> sessions_;
  std::map<std::string, uint32_t> stops_;
  std::optional<Error> next_start_error_;
  uint64_t next_timer_ = 0;
  std::map<uint64_t, TimerHandle> timers_;
};

}  // namespace uplinkd::modem
