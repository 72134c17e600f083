#pragma once
// The relay's Unix datagram socket (docs/alert-submission.md). Each time it turns readable, every
// datagram already queued (up to `max_batch`) is read with its sender's credentials (SO_PASSCRED:
// the kernel attaches SCM_CREDENTIALS to every datagram, and only a privileged sender can claim
// another uid) and handed to the batch handler in one call, which answers each (the relay commits
// the batch in one transaction first); then the replies go back to their senders. Datagrams above
// the size limit are seen as too large (the receive buffer is one byte longer than the limit).
// Replies are sent without blocking; one that cannot be sent at once is dropped (the submitter
// resends and, with an id, gets the same answer).
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/datagram_protocol.hpp>

#include "base/result.h"
#include "inference/alert_submission_codec.h"

namespace uplinkd::relay {

// One datagram of a batch and its answer.
struct Submission {
  std::string datagram;
  std::optional<uid_t> uid;  // the sender's uid (SCM_CREDENTIALS); empty: unknown
  std::optional<pid_t> pid;
  std::string reply;         // set by the handler
};

class AlertSubmissionSocket {
 public:
  // Fills every submission's reply.
  using BatchHandler = std::function<void(std::vector<Submission>& batch)>;
  struct Stats {
    uint64_t datagrams = 0;
    uint64_t batches = 0;
    uint64_t largest_batch = 0;
    uint64_t replies_dropped = 0;  // the sender was unbound or its buffer full
  };
  static constexpr size_t kDefaultMaxBatch = 64;

  // Binds `path` (a stale file there is replaced), mode 0660, group `group` when not empty.
  static Result<std::unique_ptr<AlertSubmissionSocket>> Open(boost::asio::io_context& io, const std::string& path,
                                                             const std::string& group, BatchHandler handler,
                                                             size_t max_batch = kDefaultMaxBatch);
  ~AlertSubmissionSocket();
  AlertSubmissionSocket(const AlertSubmissionSocket&) = delete;
  AlertSubmissionSocket& operator=(const AlertSubmissionSocket&) = delete;

  // Stops receiving and removes the socket file.
  void Close();
  const Stats& stats() const { return stats_; }
  const std::string& path() const { return path_; }

 private:
  struct Sender {
    sockaddr_un address{};
    socklen_t size = 0;
  };
  AlertSubmissionSocket(boost::asio::io_context& io, std::string path, BatchHandler handler, size_t max_batch);
  void WaitReadable();
  // Reads what is queued (up to max_batch), answers it as one batch.
  void Drain();

  boost::asio::local::datagram_protocol::socket socket_;
  std::string path_;
  BatchHandler handler_;
  size_t max_batch_;
  std::array<char, inference::kMaxAlertDatagramBytes + 1> buffer_{};
  Stats stats_;
  bool closed_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace uplinkd::relay
