#pragma once
// The text protocol of wireguard-go's UAPI socket (https://www.wireguard.com/xplatform/), as pure
// functions: requests built from our types, replies parsed into them. Keys travel as lowercase
// hex; endpoints are numeric. A reply is bounded before it is parsed and anything malformed is an
// error, never a partly filled state. Requests holding a private or preshared key must be wiped
// by the caller (WipeString) once written.
#include <string>
#include <string_view>

#include "base/result.h"
#include "vpn/tunnel_edge.h"

namespace uplinkd::vpn::uapi {

inline constexpr size_t kMaxReplyBytes = 4 << 20;  // ~10 000 peers with a few allowed IPs each

// "set=1\n...\n\n" applying `config` (validate it first: ValidateDeviceConfig).
std::string BuildSet(const TunnelDeviceConfig& config, PeerSetMode mode);
// "set=1\n" for one existing peer's endpoint only (update_only: never creates the peer).
std::string BuildSetEndpoint(const WireguardKey& peer, const TunnelEndpoint& endpoint);
inline constexpr std::string_view kGet = "get=1\n\n";

// The reply to a set: "errno=N\n\n". 0 is success; wireguard-go sends -errno otherwise.
Result<void> ParseSetReply(std::string_view reply);
// The reply to a get: device lines, then one block per peer starting at public_key=, then
// errno=N. The private key is only used to derive the public key; it is never kept.
Result<TunnelDeviceState> ParseGetReply(std::string_view reply, const std::string& interface_name);

}  // namespace uplinkd::vpn::uapi
