#pragma once
// One probe in flight on the io_context: owns its socket, waits for readiness without blocking,
// and reports once. Subclasses (IcmpEchoProbe, DatagramProbe, TcpProbe) say what to send and
// what counts as the answer. Cancel() closes the socket; the callback then never runs.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <chrono>
#include <functional>
#include <memory>

#include "policy/health/probe_binding.h"
#include "policy/health/prober.h"

namespace uplinkd::policy {

class ProbeOperation : public std::enable_shared_from_this<ProbeOperation> {
 public:
  ProbeOperation(boost::asio::io_context& io, ProbeBinding binding, ProbeTarget target, Prober::Done done);
  virtual ~ProbeOperation();
  ProbeOperation(const ProbeOperation&) = delete;
  ProbeOperation& operator=(const ProbeOperation&) = delete;

  // Opens the socket and sends; any failure is reported through the callback, later.
  virtual void Start() = 0;
  void Cancel();

 protected:
  // Takes ownership of a socket from BoundSocket::Open.
  void Adopt(int fd);
  int fd();
  void WaitReadable(std::function<void()> then);
  void WaitWritable(std::function<void()> then);
  // Reports (once, on a later turn of the loop if called from Start) and closes the socket.
  void Answer(std::string detail, uint64_t bytes);
  void Fail(std::string detail, uint64_t bytes = 0);
  // For errno-carrying failures: "what: strerror".
  void FailErrno(const char* what, int error_number);
  std::chrono::microseconds Elapsed() const;
  void MarkSent() { sent_at_ = std::chrono::steady_clock::now(); }
  void SetRtt(std::chrono::microseconds rtt) { rtt_ = rtt; }

  boost::asio::io_context& io_;
  const ProbeBinding binding_;
  const ProbeTarget target_;

 private:
  void Report(ProbeOutcome outcome);

  boost::asio::posix::stream_descriptor descriptor_;
  Prober::Done done_;
  std::chrono::steady_clock::time_point sent_at_ = std::chrono::steady_clock::now();
  std::optional<std::chrono::microseconds> rtt_;
  bool finished_ = false;
};

}  // namespace uplinkd::policy
