#pragma once
// The messages of the kernel's generic-netlink family "wireguard" (linux/wireguard.h), built and
// parsed as bytes, so they are tested byte for byte without a WireGuard module. Built messages
// carry sequence 0 and port 0 (the socket fills them in on sending). What the uapi header asks
// for, and this does:
//  - every nested attribute (PEERS, each peer, ALLOWEDIPS, each allowed IP) has NLA_F_NESTED,
//    without which kernels since 5.2 answer EINVAL;
//  - a set too large for one message is split: the first message carries the device fields and
//    REPLACE_PEERS; a peer whose allowed IPs spill over is continued in the next message with
//    only its public key (so REPLACE_ALLOWEDIPS, in its first part, is not repeated);
//  - a dump may split one peer's allowed IPs, and the peers, across messages: the parser joins
//    adjacent parts with the same public key.
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "vpn/tunnel_edge.h"

namespace uplinkd::vpn::genl {

using Message = std::vector<uint8_t>;

// The kernel's own chunk size for replies and what wireguard-tools uses for requests.
inline constexpr size_t kDefaultMaxMessageBytes = 8192;

// NLM_F_REQUEST|NLM_F_DUMP, WG_CMD_GET_DEVICE, WGDEVICE_A_IFNAME.
Result<Message> BuildGetDevice(uint16_t family_id, const std::string& interface_name);
// NLM_F_REQUEST|NLM_F_ACK, WG_CMD_SET_DEVICE, split at max_message_bytes. Validate first.
Result<std::vector<Message>> BuildSetDevice(uint16_t family_id, const std::string& interface_name,
                                            const TunnelDeviceConfig& config, PeerSetMode mode,
                                            size_t max_message_bytes = kDefaultMaxMessageBytes);
// One peer's endpoint with WGPEER_F_UPDATE_ONLY (and nothing else: allowed IPs stay).
Result<Message> BuildSetEndpoint(uint16_t family_id, const std::string& interface_name, const WireguardKey& peer,
                                 const TunnelEndpoint& endpoint);

// The dump's messages, in order (each a whole nlmsghdr; NLMSG_DONE and errors are the caller's).
// kUnavailable with errno EINTR when the dump was interrupted (NLM_F_DUMP_INTR): ask again.
Result<TunnelDeviceState> ParseGetDevice(const std::vector<Message>& replies);

// Overwrites messages that carried keys.
void Wipe(std::vector<Message>& messages);

}  // namespace uplinkd::vpn::genl
