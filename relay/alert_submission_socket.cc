#include "relay/alert_submission_socket.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

#include <boost/asio/buffer.hpp>

#include "base/descriptor_closer.h"

namespace uplinkd::relay {

AlertSubmissionSocket::AlertSubmissionSocket(boost::asio::io_context& io, std::string path, BatchHandler handler,
                                             size_t max_batch)
    : socket_(io), path_(std::move(path)), handler_(std::move(handler)), max_batch_(std::max<size_t>(max_batch, 1)) {}

AlertSubmissionSocket::~AlertSubmissionSocket() {
  *alive_ = false;
  Close();
}

Result<std::unique_ptr<AlertSubmissionSocket>> AlertSubmissionSocket::Open(boost::asio::io_context& io,
                                                                           const std::string& path,
                                                                           const std::string& group,
                                                                           BatchHandler handler, size_t max_batch) {
  std::unique_ptr<AlertSubmissionSocket> socket(new AlertSubmissionSocket(io, path, std::move(handler), max_batch));
  boost::system::error_code error;
  socket->socket_.open(boost::asio::local::datagram_protocol(), error);
  if (error) return MakeError(ErrorCode::kSystem, "alert socket: socket", error.value());
  DescriptorCloser::MarkCloseOnExec(socket->socket_.native_handle());  // Asio opens without SOCK_CLOEXEC
  // Every datagram then carries its sender's credentials: the uid is part of the alert's identity.
  int one = 1;
  if (::setsockopt(socket->socket_.native_handle(), SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) != 0) {
    return MakeError(ErrorCode::kSystem, "alert socket: SO_PASSCRED", errno);
  }
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
  socket->WaitReadable();
  return socket;
}

void AlertSubmissionSocket::Close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  ::unlink(path_.c_str());
}

void AlertSubmissionSocket::WaitReadable() {
  std::weak_ptr<bool> alive = alive_;
  socket_.async_wait(boost::asio::local::datagram_protocol::socket::wait_read,
                     [this, alive](const boost::system::error_code& error) {
                       if (alive.expired() || closed_ || error == boost::asio::error::operation_aborted) return;
                       if (!error) Drain();
                       if (!closed_) WaitReadable();
                     });
}

void AlertSubmissionSocket::Drain() {
  int fd = socket_.native_handle();
  std::vector<Submission> batch;
  std::vector<Sender> senders;
  while (batch.size() < max_batch_) {
    Sender sender;
    iovec data{buffer_.data(), buffer_.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    msghdr message{};
    message.msg_name = &sender.address;
    message.msg_namelen = sizeof(sender.address);
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    ssize_t size = ::recvmsg(fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (size < 0) break;  // EAGAIN: the queue is empty (other errors: try again on readiness)
    sender.size = message.msg_namelen;
    Submission submission;
    submission.datagram.assign(buffer_.data(), static_cast<size_t>(size));
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr; header = CMSG_NXTHDR(&message, header)) {
      if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_CREDENTIALS &&
          header->cmsg_len >= CMSG_LEN(sizeof(ucred))) {
        ucred credentials{};
        std::memcpy(&credentials, CMSG_DATA(header), sizeof(credentials));
        submission.uid = credentials.uid;
        submission.pid = credentials.pid;
      }
    }
    batch.push_back(std::move(submission));
    senders.push_back(sender);
  }
  if (batch.empty()) return;
  stats_.datagrams += batch.size();
  ++stats_.batches;
  stats_.largest_batch = std::max<uint64_t>(stats_.largest_batch, batch.size());
  handler_(batch);
  for (size_t i = 0; i < batch.size(); ++i) {
    // Unbound senders (address no longer than its family) cannot be answered.
    if (senders[i].size <= offsetof(sockaddr_un, sun_path)) {
      ++stats_.replies_dropped;
      continue;
    }
    const auto& reply = batch[i].reply;
    if (::sendto(fd, reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                 reinterpret_cast<const sockaddr*>(&senders[i].address), senders[i].size) < 0) {
      ++stats_.replies_dropped;
    }
  }
}

}  // namespace uplinkd::relay
