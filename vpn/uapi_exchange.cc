#include "vpn/uapi_exchange.h"

#include <sys/un.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "vpn/uapi_protocol.h"
#include "vpn/wireguard_key.h"

namespace uplinkd::vpn {
namespace {

using boost::asio::local::stream_protocol;

class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(boost::asio::io_context& io, std::string path, std::string request, UapiExchange::Done done)
      : socket_(io), timer_(io), path_(std::move(path)), request_(std::move(request)), done_(std::move(done)) {}
  ~Exchange() {
    WipeString(request_);
    WipeString(reply_);
  }

  void Run(std::chrono::milliseconds timeout) {
    auto self = shared_from_this();
    timer_.expires_after(timeout);
    timer_.async_wait([self](const boost::system::error_code& error) {
      if (error) return;
      self->Finish(MakeError(ErrorCode::kTimeout, fmt::format("no answer from {} in time", self->path_)));
    });
    socket_.async_connect(stream_protocol::endpoint(path_), [self](const boost::system::error_code& error) {
      if (self->finished_) return;
      if (error) {
        // No socket file, or a stale one nobody listens on: there is no wireguard-go for it.
        bool absent = error == boost::asio::error::not_found || error.value() == ENOENT || error.value() == ECONNREFUSED;
        return self->Finish(MakeError(absent ? ErrorCode::kNotFound : ErrorCode::kUnavailable,
                                      fmt::format("cannot connect to {}: {}", self->path_, error.message()),
                                      error.value()));
      }
      self->Write();
    });
  }

 private:
  void Write() {
    auto self = shared_from_this();
    boost::asio::async_write(socket_, boost::asio::buffer(request_),
                             [self](const boost::system::error_code& error, size_t) {
                               if (self->finished_) return;
                               if (error) return self->Lost(error);
                               self->Read();
                             });
  }

  void Read() {
    auto self = shared_from_this();
    socket_.async_read_some(boost::asio::buffer(chunk_), [self](const boost::system::error_code& error, size_t n) {
      if (self->finished_) return;
      if (error) return self->Lost(error);
      // Only the newly read bytes (plus one before them) can complete the terminating "\n\n".
      size_t from = self->reply_.size() == 0 ? 0 : self->reply_.size() - 1;
      self->reply_.append(self->chunk_.data(), n);
      explicit_bzero(self->chunk_.data(), n);
      size_t end = self->reply_.find("\n\n", from);
      if (end != std::string::npos) {
        if (end + 2 != self->reply_.size()) {
          return self->Finish(MakeError(ErrorCode::kRejected, "wireguard-go sent more than one reply"));
        }
        std::string reply = std::move(self->reply_);
        self->reply_.clear();
        return self->Finish(Result<std::string>(std::move(reply)));
      }
      if (self->reply_.size() > uapi::kMaxReplyBytes) {
        return self->Finish(MakeError(ErrorCode::kInvalidArgument,
                                      fmt::format("reply from {} is over {} bytes", self->path_, uapi::kMaxReplyBytes)));
      }
      self->Read();
    });
  }

  void Lost(const boost::system::error_code& error) {
    Finish(MakeError(ErrorCode::kUnavailable, fmt::format("connection to {} lost: {}", path_, error.message()),
                     error.value()));
  }

  void Finish(Result<std::string> result) {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
    auto done = std::move(done_);
    done(result);
    if (result) WipeString(*result);
  }

  stream_protocol::socket socket_;
  boost::asio::steady_timer timer_;
  std::string path_;
  std::string request_;
  std::string reply_;
  std::array<char, 4096> chunk_{};
  UapiExchange::Done done_;
  bool finished_ = false;
};

}  // namespace

void UapiExchange::Start(boost::asio::io_context& io, const std::string& socket_path, std::string request,
                         std::chrono::milliseconds timeout, Done done) {
  if (socket_path.empty() || socket_path.size() >= sizeof(sockaddr_un::sun_path)) {
    boost::asio::post(io, [socket_path, done = std::move(done)] {
      Result<std::string> error = MakeError(ErrorCode::kInvalidArgument, "UAPI socket path too long: " + socket_path);
      done(error);
    });
    return;
  }
  auto exchange = std::make_shared<Exchange>(io, socket_path, std::move(request), std::move(done));
  exchange->Run(timeout);
}

}  // namespace uplinkd::vpn
