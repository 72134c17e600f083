#pragma once
// The relay's Unix datagram socket (docs/alert-submission.md): each datagram is handed to the
// submission handler, whose reply goes back to the sender's address. Datagrams above the size
// limit are seen as too large (the receive buffer is one byte longer than the limit). Replies are
// sent without blocking; one that cannot be sent at once is dropped (the submitter resends and,
// with an id, gets the same answer).
#include <array>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/datagram_protocol.hpp>

#include "base/result.h"
#include "inference/alert_submission_codec.h"

namespace uplinkd::relay {

class AlertSubmissionSocket {
 public:
  // Returns the reply datagram for one submission.
  using Handler = std::function<std::string(std::string_view datagram)>;
  struct Stats {
    uint64_t datagrams = 0;
    uint64_t replies_dropped = 0;  // the sender was unbound or its buffer full
  };

  // Binds `path` (a stale file there is replaced), mode 0660, group `group` when not empty.
  static Result<std::unique_ptr<AlertSubmissionSocket>> Open(boost::asio::io_context& io, const std::string& path,
                                                             const std::string& group, Handler handler);
  ~AlertSubmissionSocket();
  AlertSubmissionSocket(const AlertSubmissionSocket&) = delete;
  AlertSubmissionSocket& operator=(const AlertSubmissionSocket&) = delete;

  // Stops receiving and removes the socket file.
  void Close();
  const Stats& stats() const { return stats_; }
  const std::string& path() const { return path_; }

 private:
  AlertSubmissionSocket(boost::asio::io_context& io, std::string path, Handler handler);
  void Receive();

  boost::asio::local::datagram_protocol::socket socket_;
  std::string path_;
  Handler handler_;
  std::array<char, inference::kMaxAlertDatagramBytes + 1> buffer_{};
  boost::asio::local::datagram_protocol::endpoint sender_;
  Stats stats_;
  bool closed_ = false;
};

}  // namespace uplinkd::relay
