#include "modem/fake_bearer_ip_client_launcher.h"

#include <utility>

namespace uplinkd::modem {

class FakeBearerIpClientLauncher::FakeClient : public BearerIpClient {
 public:
  FakeClient(std::shared_ptr<Session> session, uint32_t* stops) : session_(std::move(session)), stops_(stops) {}
  ~FakeClient() override {
    if (session_->running) ++*stops_;
    session_->running = false;
  }

 private:
  std::shared_ptr<Session> session_;
  uint32_t* stops_;
};

Result<std::unique_ptr<BearerIpClient>> FakeBearerIpClientLauncher::Start(const BearerIpClientRequest& request,
                                                                           BearerIpClient::Listener listener) {
  if (next_start_error_) {
    Error error = std::move(*next_start_error_);
    next_start_error_.reset();
    return tl::unexpected(std::move(error));
  }
  auto session = std::make_shared<Session>(Session{request, std::move(listener), true});
  sessions_.push_back(session);
  return std::make_unique<FakeClient>(session, &stops_[request.modem_name]);
}

std::shared_ptr<FakeBearerIpClientLauncher::Session> FakeBearerIpClientLauncher::Newest(
    const std::string& modem_name) const {
  for (auto it = sessions_.rbegin(); it != sessions_.rend(); ++it) {
    if ((*it)->request.modem_name == modem_name) return *it;
  }
  return nullptr;
}

void FakeBearerIpClientLauncher::Deliver(const std::shared_ptr<Session>& session,
                                         std::function<void(Session&)> action) {
  if (!session) return;
  uint64_t id = next_timer_++;
  timers_[id] = scheduler_.RunAfter(std::chrono::milliseconds(0), [this, id, session, action = std::move(action)] {
    timers_.erase(id);
    if (session->running) action(*session);  // a destroyed client hears nothing
  });
}

void FakeBearerIpClientLauncher::Configure(const std::string& modem_name, const BearerIpLease& lease) {
  Deliver(Newest(modem_name), [lease](Session& session) {
    if (session.listener.configured) session.listener.configured(lease);
  });
}

void FakeBearerIpClientLauncher::Lose(const std::string& modem_name, const std::string& reason) {
  Deliver(Newest(modem_name), [reason](Session& session) {
    if (session.listener.lost) session.listener.lost(reason);
  });
}

void FakeBearerIpClientLauncher::Exit(const std::string& modem_name, const std::string& reason) {
  Deliver(Newest(modem_name), [reason](Session& session) {
    session.running = false;
    if (session.listener.exited) session.listener.exited(reason);
  });
}

bool FakeBearerIpClientLauncher::running(const std::string& modem_name) const {
  auto session = Newest(modem_name);
  return session && session->running;
}

uint32_t FakeBearerIpClientLauncher::starts(const std::string& modem_name) const {
  uint32_t count = 0;
  for (const auto& session : sessions_) count += session->request.modem_name == modem_name;
  return count;
}

uint32_t FakeBearerIpClientLauncher::stops(const std::string& modem_name) const {
  auto it = stops_.find(modem_name);
  return it == stops_.end() ? 0 : it->second;
}

const BearerIpClientRequest* FakeBearerIpClientLauncher::last_request(const std::string& modem_name) const {
  auto session = Newest(modem_name);
  return session ? &session->request : nullptr;
}

}  // namespace uplinkd::modem
