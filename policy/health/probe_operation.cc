#include "policy/health/probe_operation.h"

#include <boost/asio/post.hpp>

#include <system_error>

namespace uplinkd::policy {

ProbeOperation::ProbeOperation(boost::asio::io_context& io, ProbeBinding binding, ProbeTarget target,
                               Prober::Done done)
    : io_(io), binding_(std::move(binding)), target_(std::move(target)), descriptor_(io), done_(std::move(done)) {}

ProbeOperation::~ProbeOperation() {
  boost::system::error_code ignored;
  descriptor_.close(ignored);
}

void ProbeOperation::Adopt(int fd) { descriptor_.assign(fd); }

int ProbeOperation::fd() { return descriptor_.native_handle(); }

void ProbeOperation::Cancel() {
  finished_ = true;
  done_ = nullptr;
  boost::system::error_code ignored;
  descriptor_.close(ignored);  // pending waits complete with operation_aborted
}

void ProbeOperation::WaitReadable(std::function<void()> then) {
  descriptor_.async_wait(boost::asio::posix::descriptor_base::wait_read,
                         [self = shared_from_this(), then = std::move(then)](const boost::system::error_code& error) {
                           if (error || self->finished_) return;
                           then();
                         });
}

void ProbeOperation::WaitWritable(std::function<void()> then) {
  descriptor_.async_wait(boost::asio::posix::descriptor_base::wait_write,
                         [self = shared_from_this(), then = std::move(then)](const boost::system::error_code& error) {
                           if (error || self->finished_) return;
                           then();
                         });
}

std::chrono::microseconds ProbeOperation::Elapsed() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - sent_at_);
}

void ProbeOperation::Answer(std::string detail, uint64_t bytes) {
  ProbeOutcome outcome;
  outcome.answered = true;
  outcome.rtt = rtt_ ? *rtt_ : Elapsed();
  outcome.bytes = bytes;
  outcome.detail = std::move(detail);
  Report(std::move(outcome));
}

void ProbeOperation::Fail(std::string detail, uint64_t bytes) {
  ProbeOutcome outcome;
  outcome.bytes = bytes;
  outcome.detail = std::move(detail);
  Report(std::move(outcome));
}

void ProbeOperation::FailErrno(const char* what, int error_number) {
  Fail(std::string(what) + ": " + std::system_category().message(error_number));
}

void ProbeOperation::Report(ProbeOutcome outcome) {
  if (finished_) return;
  finished_ = true;
  boost::system::error_code ignored;
  descriptor_.close(ignored);
  // Always from a fresh turn of the loop: the caller may be inside Send(), and the callback
  // may cancel other probes.
  boost::asio::post(io_, [self = shared_from_this(), outcome = std::move(outcome)] {
    auto done = std::move(self->done_);
    self->done_ = nullptr;
    if (done) done(outcome);
  });
}

}  // namespace uplinkd::policy
