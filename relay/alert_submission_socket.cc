#include "relay/alert_submission_socket.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <boost/asio/buffer.hpp>

#include "base/descriptor_closer.h"

namespace uplinkd::relay {

AlertSubmissionSocket::AlertSubmissionSocket(boost::asio::io_context& io, std::string path, Handler handler)
    : socket_(io), path_(std::move(path)), handler_(std::move(handler)) {}

AlertSubmissionSocket::~AlertSubmissionSocket() { Close(); }

Result<std::unique_ptr<AlertSubmissionSocket>> AlertSubmissionSocket::Open(boost::asio::io_context& io,
                                                                           const std::string& path,
                                                                           const std::string& group, Handler handler) {
  std::unique_ptr<AlertSubmissionSocket> socket(new AlertSubmissionSocket(io, path, std::move(handler)));
  boost::system::error_code error;
  socket->socket_.open(boost::asio::local::datagram_protocol(), error);
  if (error) return MakeError(ErrorCode::kSystem, "alert socket: socket", error.value());
  DescriptorCloser::MarkCloseOnExec(socket->socket_.native_handle());  // Asio opens without SOCK_CLOEXEC
  // A previous run's socket file (after kill -9) would make bind fail with EADDRINUSE.
  struct stat existing{};
  if (::lstat(path.c_str(), &existing) == 0 && S_ISSOCK(existing.st_mode)) ::unlink(path.c_str());
  socket->socket_.bind(boost::asio::local::datagram_protocol::endpoint(path), error);
  if (error) return MakeError(ErrorCode::kSystem, "alert socket: bind " + path, error.value());
  gid_t gid = static_cast<gid_t>(-1);
  if (!group.empty()) {
    std::vector<char> buffer(16384);
    struct group entry{};
    struct group* found = nullptr;
    if (::getgrnam_r(group.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found) {
      return MakeError(ErrorCode::kNotFound, "alert socket: group " + group + " does not exist");
    }
    gid = found->gr_gid;
  }
  if (::chown(path.c_str(), static_cast<uid_t>(-1), gid) != 0 || ::chmod(path.c_str(), 0660) != 0) {
    return MakeError(ErrorCode::kSystem, "alert socket: permissions of " + path, errno);
  }
  socket->socket_.non_blocking(true, error);
  socket->Receive();
  return socket;
}

void AlertSubmissionSocket::Close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  ::unlink(path_.c_str());
}

void AlertSubmissionSocket::Receive() {
  socket_.async_receive_from(
      boost::asio::buffer(buffer_), sender_, [this](const boost::system::error_code& error, size_t size) {
        if (error == boost::asio::error::operation_aborted || closed_) return;
        if (!error) {
          ++stats_.datagrams;
          std::string reply = handler_(std::string_view(buffer_.data(), size));
          boost::system::error_code send_error;
          if (sender_.path().empty()) {
            ++stats_.replies_dropped;
          } else {
            socket_.send_to(boost::asio::buffer(reply), sender_, 0, send_error);
            if (send_error) ++stats_.replies_dropped;
          }
        }
        Receive();
      });
}

}  // namespace uplinkd::relay
