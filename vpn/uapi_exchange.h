#pragma once
// One request and its reply over a wireguard-go UAPI socket, on the io_context: connect, write,
// read until the blank line that ends every reply, all under one deadline. wireguard-go is a
// peer like any other: it may hang, die, or send garbage; none of that blocks the loop. The
// request and the reply are wiped when the exchange ends (they may hold keys).
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "base/result.h"

namespace uplinkd::vpn {

class UapiExchange {
 public:
  // `done` gets the whole reply (ending "\n\n"), or kNotFound (no socket / nobody listening),
  // kTimeout, kUnavailable (connection lost) or kInvalidArgument (reply over the bound).
  // The reply string handed to `done` is wiped after `done` returns.
  using Done = std::function<void(Result<std::string>& reply)>;
  static void Start(boost::asio::io_context& io, const std::string& socket_path, std::string request,
                    std::chrono::milliseconds timeout, Done done);
};

}  // namespace uplinkd::vpn
