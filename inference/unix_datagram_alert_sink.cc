#include "inference/unix_datagram_alert_sink.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>

namespace uplinkd::inference {

using boost::asio::local::datagram_protocol;

UnixDatagramAlertSink::UnixDatagramAlertSink(boost::asio::io_context& io, Scheduler& scheduler, Options options)
    : scheduler_(scheduler), options_(std::move(options)), socket_(io), relay_(options_.relay_path),
      id_prefix_(options_.source + "-" + std::to_string(::getpid()) + "-") {}

UnixDatagramAlertSink::~UnixDatagramAlertSink() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

Result<std::unique_ptr<UnixDatagramAlertSink>> UnixDatagramAlertSink::Create(boost::asio::io_context& io,
                                                                             Scheduler& scheduler, Options options) {
  if (options.relay_path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return MakeError(ErrorCode::kInvalidArgument, "relay socket path too long: " + options.relay_path);
  }
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return MakeError(ErrorCode::kSystem, "socket(AF_UNIX, SOCK_DGRAM)", errno);
  // Autobind to an abstract address so the relay has somewhere to send its replies.
  sockaddr_un local{};
  local.sun_family = AF_UNIX;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(sa_family_t)) != 0) {
    int saved = errno;
    ::close(fd);
    return MakeError(ErrorCode::kSystem, "autobind alert socket", saved);
  }
  std::unique_ptr<UnixDatagramAlertSink> sink(new UnixDatagramAlertSink(io, scheduler, std::move(options)));
  boost::system::error_code error;
  sink->socket_.assign(datagram_protocol(), fd, error);
  if (error) {
    ::close(fd);
    return MakeError(ErrorCode::kSystem, "assign alert socket: " + error.message());
  }
  sink->Receive();
  return sink;
}

void UnixDatagramAlertSink::Submit(const AlertEvent& event) {
  ++stats_.submitted;
  if (pending_.size() >= options_.max_pending) {
    // The oldest unacknowledged alert goes: the newest state of the machine matters most.
    log_.Warning("alert relay unreachable, {} alerts queued: dropping {}", pending_.size(), pending_.front().id);
    pending_.pop_front();
    ++stats_.dropped;
  }
  std::string id = id_prefix_ + std::to_string(next_number_++);
  pending_.push_back(Pending{id, AlertSubmissionCodec::Encode(event, id, options_.source), options_.first_retry,
                             scheduler_.Now()});
  SendNow(pending_.back());
  ArmRetry();
}

void UnixDatagramAlertSink::SendNow(Pending& entry) {
  boost::system::error_code error;
  socket_.send_to(boost::asio::buffer(entry.datagram), relay_, 0, error);
  if (!error) {
    ++stats_.sent;
  } else if (error != boost::asio::error::would_block && error != boost::asio::error::no_buffer_space) {
    log_.Debug("alert {}: relay {} not reachable: {}", entry.id, options_.relay_path, error.message());
  }
  // Whether or not it went out, the reply (or the lack of one) decides; schedule the next try.
  entry.next_attempt = scheduler_.Now() + entry.backoff;
  entry.backoff = std::min(entry.backoff * 2, options_.max_retry);
}

void UnixDatagramAlertSink::ArmRetry() {
  if (pending_.empty()) {
    retry_timer_.Cancel();
    return;
  }
  auto earliest = std::min_element(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) {
                    return a.next_attempt < b.next_attempt;
                  })->next_attempt;
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(earliest - scheduler_.Now());
  retry_timer_ = scheduler_.RunAfter(std::max(delay, std::chrono::milliseconds(1)), [this] { RetryDue(); });
}

void UnixDatagramAlertSink::RetryDue() {
  SteadyTime now = scheduler_.Now();
  for (auto& entry : pending_) {
    if (entry.next_attempt <= now) {
      ++stats_.resent;
      SendNow(entry);
    }
  }
  ArmRetry();
}

void UnixDatagramAlertSink::Receive() {
  socket_.async_receive(boost::asio::buffer(receive_buffer_),
                        [this](const boost::system::error_code& error, size_t bytes) {
                          if (error == boost::asio::error::operation_aborted) return;
                          if (!error) HandleReply(std::string_view(receive_buffer_.data(), bytes));
                          Receive();
                        });
}

void UnixDatagramAlertSink::HandleReply(std::string_view datagram) {
  auto reply = AlertSubmissionCodec::ParseReply(datagram);
  if (!reply) {
    log_.Warning("alert relay sent an unreadable reply: {}", reply.error().message);
    return;
  }
  auto it = std::find_if(pending_.begin(), pending_.end(), [&](const Pending& p) { return p.id == reply->ref; });
  if (it == pending_.end()) return;  // a reply to a resend already answered
  if (!reply->ok && reply->retryable) return;  // keep it; the back-off resends it
  std::string id = it->id;
  if (reply->ok) {
    ++stats_.acknowledged;
  } else {
    ++stats_.rejected;
    log_.Error("alert relay rejected {}: {} ({})", id, reply->error, reply->message);
  }
  pending_.erase(it);
  ArmRetry();
  if (reply_observer_) reply_observer_(id, *reply);
}

}  // namespace uplinkd::inference
