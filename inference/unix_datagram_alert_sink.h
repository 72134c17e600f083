#pragma once
// Submits alerts to the alert relay's Unix datagram socket (docs/alert-submission.md). Each event
// gets an id ("<source>-<pid>-<n>") so a resend after a lost reply is recognised by the relay as
// a duplicate. Unacknowledged submissions stay queued (bounded) and are resent with back-off, so
// alerts raised while the daemon restarts are delivered when it is back.
#include <chrono>
#include <deque>
#include <functional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/datagram_protocol.hpp>

#include "base/logger.h"
#include "base/result.h"
#include "base/scheduler.h"
#include "inference/alert_sink.h"
#include "inference/alert_submission_codec.h"

namespace uplinkd::inference {

class UnixDatagramAlertSink : public AlertSink {
 public:
  struct Options {
    std::string relay_path = "/run/uplinkd/alerts.sock";
    std::string source = "uplinkd-infer";
    size_t max_pending = 256;
    std::chrono::milliseconds first_retry{500};
    std::chrono::milliseconds max_retry{30'000};
  };
  struct Stats {
    uint64_t submitted = 0, sent = 0, acknowledged = 0, rejected = 0, resent = 0, dropped = 0;
  };
  // Called once per submission the relay answered (accepted or rejected).
  using ReplyObserver = std::function<void(const std::string& id, const AlertSubmissionReply&)>;

  static Result<std::unique_ptr<UnixDatagramAlertSink>> Create(boost::asio::io_context& io, Scheduler& scheduler,
                                                               Options options);
  ~UnixDatagramAlertSink() override;

  void Submit(const AlertEvent& event) override;
  void set_reply_observer(ReplyObserver observer) { reply_observer_ = std::move(observer); }
  const Stats& stats() const { return stats_; }
  size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    std::string id;
    std::string datagram;
    std::chrono::milliseconds backoff;
    SteadyTime next_attempt;
  };
  UnixDatagramAlertSink(boost::asio::io_context& io, Scheduler& scheduler, Options options);
  void SendNow(Pending& entry);
  void ArmRetry();
  void RetryDue();
  void Receive();
  void HandleReply(std::string_view datagram);

  Scheduler& scheduler_;
  Options options_;
  boost::asio::local::datagram_protocol::socket socket_;
  boost::asio::local::datagram_protocol::endpoint relay_;
  std::deque<Pending> pending_;
  TimerHandle retry_timer_;
  uint64_t next_number_ = 1;
  std::string id_prefix_;
  std::array<char, kMaxAlertDatagramBytes> receive_buffer_{};
  ReplyObserver reply_observer_;
  Stats stats_;
  Logger log_{LogModule::kInference};
};

}  // namespace uplinkd::inference
