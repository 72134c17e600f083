#include "policy/health/tcp_probe.h"

#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <system_error>

#include <fmt/format.h>

#include "policy/health/bound_socket.h"
#include "policy/health/http_exchange.h"
#include "policy/health/socket_address.h"

namespace uplinkd::policy {
namespace {

constexpr uint64_t kSegmentPayload = 1448;  // a 1500-byte MTU with timestamps

}  // namespace

TcpProbe::TcpProbe(boost::asio::io_context& io, ProbeBinding binding, ProbeTarget target, Prober::Done done,
                   std::shared_ptr<TlsClientContext> tls)
    : ProbeOperation(io, std::move(binding), std::move(target), std::move(done)), tls_(std::move(tls)) {}

TcpProbe::~TcpProbe() {
  // No close_notify: the RST on close is all the server needs.
  if (ssl_) SSL_free(ssl_);
}

void TcpProbe::Start() {
  if (target_.kind == ProbeKind::kHttps && !tls_) {
    Fail("no TLS context (the CA certificates could not be loaded)");
    return;
  }
  auto fd = BoundSocket::Open(binding_, target_.address.family(), SOCK_STREAM, IPPROTO_TCP);
  if (!fd) {
    FailErrno(fd.error().message.c_str(), fd.error().errno_value);
    return;
  }
  Adopt(*fd);
  linger abort_on_close{1, 0};
  ::setsockopt(this->fd(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close));
  uint16_t port = target_.port != 0 ? target_.port : DefaultProbePort(target_.kind);
  SocketAddress to(target_.address, port);
  MarkSent();
  if (::connect(this->fd(), to.get(), to.size()) != 0 && errno != EINPROGRESS) {
    FailErrno("connect", errno);
    return;
  }
  WaitWritable([this] { OnConnected(); });
}

void TcpProbe::OnConnected() {
  int error = 0;
  socklen_t size = sizeof(error);
  ::getsockopt(fd(), SOL_SOCKET, SO_ERROR, &error, &size);
  SetRtt(Elapsed());
  if (error == ECONNREFUSED) {
    // SYN and the target's RST.
    uint64_t ip = target_.address.family() == net::IpFamily::kV4 ? 20 : 40;
    Answer("connection refused by the target", 2 * (ip + 20) + 20);
    return;
  }
  if (error != 0) {
    FailErrno("connect", error);
    return;
  }
  if (target_.kind == ProbeKind::kTcp) {
    Answer("connected", ProbeBytes(target_));
    return;
  }
  request_ = BuildHttpGetRequest(target_);
  if (target_.kind == ProbeKind::kHttp) {
    SendRequest();
    return;
  }
  ssl_ = SSL_new(tls_->get());
  if (!ssl_ || SSL_set_fd(ssl_, fd()) != 1) {
    Fail("SSL_new: " + TakeTlsErrors());
    return;
  }
  // Verify the certificate against the Host name (SNI too), or against the address.
  if (!target_.http_host.empty()) {
    SSL_set_tlsext_host_name(ssl_, target_.http_host.c_str());
    SSL_set1_host(ssl_, target_.http_host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), target_.address.ToString().c_str());
  }
  SSL_set_connect_state(ssl_);
  Handshake();
}

void TcpProbe::WaitFor(Io io, void (TcpProbe::*then)()) {
  if (io == Io::kWantWrite) {
    WaitWritable([this, then] { (this->*then)(); });
  } else {
    WaitReadable([this, then] { (this->*then)(); });
  }
}

void TcpProbe::Handshake() {
  int result = SSL_do_handshake(ssl_);
  if (result == 1) {
    SendRequest();
    return;
  }
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ: WaitFor(Io::kWantRead, &TcpProbe::Handshake); return;
    case SSL_ERROR_WANT_WRITE: WaitFor(Io::kWantWrite, &TcpProbe::Handshake); return;
    default: break;
  }
  long verify = SSL_get_verify_result(ssl_);
  std::string detail = verify != X509_V_OK
                           ? std::string("TLS certificate not accepted: ") + X509_verify_cert_error_string(verify)
                           : "TLS handshake failed: " + TakeTlsErrors();
  Fail(detail, MeasuredBytes());
}

TcpProbe::Io TcpProbe::Write(const char* data, size_t size, size_t& n) {
  if (!ssl_) {
    ssize_t sent = ::send(fd(), data, size, MSG_NOSIGNAL);
    if (sent >= 0) {
      n = static_cast<size_t>(sent);
      return Io::kDone;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return Io::kWantWrite;
    tls_error_ = std::system_category().message(errno);
    return Io::kFailed;
  }
  int result = SSL_write_ex(ssl_, data, size, &n);
  if (result == 1) return Io::kDone;
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ: return Io::kWantRead;
    case SSL_ERROR_WANT_WRITE: return Io::kWantWrite;
    default: tls_error_ = TakeTlsErrors(); return Io::kFailed;
  }
}

TcpProbe::Io TcpProbe::Read(char* data, size_t size, size_t& n) {
  if (!ssl_) {
    ssize_t got = ::recv(fd(), data, size, 0);
    if (got > 0) {
      n = static_cast<size_t>(got);
      payload_read_ += n;
      return Io::kDone;
    }
    if (got == 0) return Io::kClosed;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return Io::kWantRead;
    tls_error_ = std::system_category().message(errno);
    return Io::kFailed;
  }
  int result = SSL_read_ex(ssl_, data, size, &n);
  if (result == 1) return Io::kDone;
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ: return Io::kWantRead;
    case SSL_ERROR_WANT_WRITE: return Io::kWantWrite;
    case SSL_ERROR_ZERO_RETURN: return Io::kClosed;
    default: tls_error_ = TakeTlsErrors(); return Io::kFailed;
  }
}

void TcpProbe::SendRequest() {
  while (request_sent_ < request_.size()) {
    size_t n = 0;
    Io io = Write(request_.data() + request_sent_, request_.size() - request_sent_, n);
    if (io == Io::kDone) {
      request_sent_ += n;
    } else if (io == Io::kWantRead || io == Io::kWantWrite) {
      WaitFor(io, &TcpProbe::SendRequest);
      return;
    } else {
      Fail("sending the request: " + tls_error_, MeasuredBytes());
      return;
    }
  }
  ReadStatus();
}

void TcpProbe::ReadStatus() {
  std::array<char, 2048> buffer;
  for (;;) {
    size_t n = 0;
    Io io = Read(buffer.data(), buffer.size(), n);
    if (io == Io::kWantRead || io == Io::kWantWrite) {
      WaitFor(io, &TcpProbe::ReadStatus);
      return;
    }
    if (io == Io::kClosed) {
      Fail("connection closed before an HTTP status line", MeasuredBytes());
      return;
    }
    if (io == Io::kFailed) {
      Fail("reading the answer: " + tls_error_, MeasuredBytes());
      return;
    }
    received_.append(buffer.data(), n);
    if (auto status = ParseHttpStatusLine(received_)) {
      if (*status < 0) {
        Fail("the answer is not HTTP", MeasuredBytes());
      } else {
        Answer(fmt::format("HTTP {}{}", *status, ssl_ ? " over TLS" : ""), MeasuredBytes());
      }
      return;
    }
  }
}

uint64_t TcpProbe::MeasuredBytes() const {
  // What crossed the socket (TLS records included), plus TCP/IP headers: the handshake, the RST,
  // one header per full-sized segment each way and our ACKs of what we read.
  uint64_t ip = target_.address.family() == net::IpFamily::kV4 ? 20 : 40;
  uint64_t header = ip + 20 + 12;
  uint64_t written = ssl_ ? BIO_number_written(SSL_get_wbio(ssl_)) : request_sent_;
  uint64_t read = ssl_ ? BIO_number_read(SSL_get_rbio(ssl_)) : payload_read_;
  uint64_t segments_out = (written + kSegmentPayload - 1) / kSegmentPayload;
  uint64_t segments_in = (read + kSegmentPayload - 1) / kSegmentPayload;
  uint64_t handshake_and_reset = 2 * (ip + 40) + header + (ip + 20);
  return handshake_and_reset + written + read + header * (segments_out + 2 * segments_in);
}

}  // namespace uplinkd::policy
