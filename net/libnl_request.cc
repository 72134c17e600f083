#include "net/libnl_request.h"

#include <netlink/errno.h>

#include <cerrno>
#include <cstring>

namespace uplinkd::net::libnl {
namespace {

struct CbDeleter {
  void operator()(nl_cb* callbacks) const { nl_cb_put(callbacks); }
};
using CbPtr = std::unique_ptr<nl_cb, CbDeleter>;

}  // namespace

Error ErrorFromErrno(int errno_value, const std::string& context) {
  ErrorCode code = ErrorCode::kSystem;
  switch (errno_value) {
    case ENODEV:
    case ENOENT:
    case ESRCH:
    case EADDRNOTAVAIL:
      code = ErrorCode::kNotFound;
      break;
    case EEXIST:
      code = ErrorCode::kAlreadyExists;
      break;
    case EPERM:
    case EACCES:
      code = ErrorCode::kPermissionDenied;
      break;
    case EINVAL:
    case ERANGE:
    case EAFNOSUPPORT:
    case EOPNOTSUPP:
      code = ErrorCode::kInvalidArgument;
      break;
    case ENETDOWN:
    case ENETUNREACH:
    case EHOSTUNREACH:
      code = ErrorCode::kUnavailable;
      break;
    default:
      break;
  }
  return Error{code, context + ": " + std::strerror(errno_value), errno_value};
}

Error ErrorFromLibnl(int nl_error, const std::string& context) {
  int error = nl_error < 0 ? -nl_error : nl_error;
  return Error{ErrorCode::kSystem, context + ": " + nl_geterror(error), 0};
}

Result<void> Talk(nl_sock* socket, nl_msg* message, const std::string& context) {
  nl_cb* socket_callbacks = nl_socket_get_cb(socket);  // takes a reference
  CbPtr callbacks(nl_cb_clone(socket_callbacks));
  nl_cb_put(socket_callbacks);
  if (!callbacks) return MakeError(ErrorCode::kSystem, context + ": out of memory", ENOMEM);
  int status = 1;  // 1: waiting; 0: acknowledged; < 0: -errno
  nl_cb_err(
      callbacks.get(), NL_CB_CUSTOM,
      [](sockaddr_nl*, nlmsgerr* error, void* arg) {
        *static_cast<int*>(arg) = error->error;
        return static_cast<int>(NL_STOP);
      },
      &status);
  nl_cb_set(
      callbacks.get(), NL_CB_ACK, NL_CB_CUSTOM,
      [](nl_msg*, void* arg) {
        *static_cast<int*>(arg) = 0;
        return static_cast<int>(NL_STOP);
      },
      &status);
  if (int error = nl_send_auto(socket, message); error < 0) return tl::unexpected(ErrorFromLibnl(error, context));
  while (status == 1) {
    int error = nl_recvmsgs(socket, callbacks.get());
    if (error < 0 && status == 1) return tl::unexpected(ErrorFromLibnl(error, context));
  }
  if (status < 0) return tl::unexpected(ErrorFromErrno(-status, context));
  return {};
}

}  // namespace uplinkd::net::libnl
