#include "vpn/wireguard_genl_message.h"

#include <arpa/inet.h>
#include <linux/wireguard.h>
#include <netinet/in.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <string.h>

#include <cerrno>
#include <memory>

#include <fmt/format.h>

namespace uplinkd::vpn::genl {
namespace {

struct MsgDeleter {
  void operator()(nl_msg* message) const {
    nlmsghdr* header = nlmsg_hdr(message);
    explicit_bzero(header, header->nlmsg_len);  // it may hold a key
    nlmsg_free(message);
  }
};
using MsgPtr = std::unique_ptr<nl_msg, MsgDeleter>;

MsgPtr NewMessage(uint16_t family_id, int flags, uint8_t command, size_t max_bytes) {
  MsgPtr message(nlmsg_alloc_size(max_bytes));
  if (!message) return nullptr;
  if (!genlmsg_put(message.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family_id, 0, flags, command, WG_GENL_VERSION)) {
    return nullptr;
  }
  return message;
}

Message Bytes(nl_msg* message) {
  nlmsghdr* header = nlmsg_hdr(message);
  auto* begin = reinterpret_cast<const uint8_t*>(header);
  return Message(begin, begin + header->nlmsg_len);
}

// The flag is set here whatever libnl's nla_nest_start does on its own (versions differ).
nlattr* StartNest(nl_msg* message, int type) {
  nlattr* nest = nla_nest_start(message, type);
  if (nest) nest->nla_type |= NLA_F_NESTED;
  return nest;
}

bool PutEndpoint(nl_msg* message, const TunnelEndpoint& endpoint) {
  if (endpoint.address.family() == net::IpFamily::kV4) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(endpoint.port);
    memcpy(&address.sin_addr, endpoint.address.bytes(), 4);
    return nla_put(message, WGPEER_A_ENDPOINT, sizeof address, &address) == 0;
  }
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_port = htons(endpoint.port);
  memcpy(&address.sin6_addr, endpoint.address.bytes(), 16);
  return nla_put(message, WGPEER_A_ENDPOINT, sizeof address, &address) == 0;
}

bool PutAllowedIp(nl_msg* message, const net::IpPrefix& prefix) {
  nlattr* nest = StartNest(message, 0);
  if (!nest) return false;
  net::IpPrefix network = prefix.Network();
  bool v4 = network.family() == net::IpFamily::kV4;
  if (nla_put_u16(message, WGALLOWEDIP_A_FAMILY, v4 ? AF_INET : AF_INET6) != 0 ||
      nla_put(message, WGALLOWEDIP_A_IPADDR, v4 ? 4 : 16, network.address().bytes()) != 0 ||
      nla_put_u8(message, WGALLOWEDIP_A_CIDR_MASK, network.length()) != 0) {
    nla_nest_cancel(message, nest);
    return false;
  }
  nla_nest_end(message, nest);
  return true;
}

// How one peer is sent: its config and the flags that go with it.
struct PeerPlan {
  const TunnelPeerConfig* config;
  uint32_t flags;
};

// The attributes of a peer's first part (everything but its allowed IPs).
bool PutPeerHead(nl_msg* message, const PeerPlan& plan) {
  const TunnelPeerConfig& peer = *plan.config;
  if (plan.flags != 0 && nla_put_u32(message, WGPEER_A_FLAGS, plan.flags) != 0) return false;
  if (peer.remove) return true;
  if (peer.preshared_key && nla_put(message, WGPEER_A_PRESHARED_KEY, WireguardKey::kSize, peer.preshared_key->data()) != 0) {
    return false;
  }
  if (peer.endpoint && !PutEndpoint(message, *peer.endpoint)) return false;
  if (peer.persistent_keepalive_s &&
      nla_put_u16(message, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, *peer.persistent_keepalive_s) != 0) {
    return false;
  }
  return true;
}

// Fills messages with the device fields and the peers, starting a new message whenever the
// current one is full (the splitting rules are in the header).
Result<std::vector<Message>> BuildSet(uint16_t family_id, const std::string& interface_name,
                                      const TunnelDeviceConfig& config, bool replace_peers,
                                      const std::vector<PeerPlan>& peers, size_t max_bytes) {
  std::vector<Message> messages;
  size_t peer_index = 0, ip_index = 0;
  auto too_small = [&] {
    Wipe(messages);
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("a WireGuard set for {} does not fit in {}-byte messages", interface_name, max_bytes));
  };
  for (bool first = true;; first = false) {
    MsgPtr message = NewMessage(family_id, NLM_F_REQUEST | NLM_F_ACK, WG_CMD_SET_DEVICE, max_bytes);
    if (!message) return too_small();
    nl_msg* m = message.get();
    if (nla_put_string(m, WGDEVICE_A_IFNAME, interface_name.c_str()) != 0) return too_small();
    if (first) {
      if (replace_peers && nla_put_u32(m, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS) != 0) return too_small();
      if (config.private_key &&
          nla_put(m, WGDEVICE_A_PRIVATE_KEY, WireguardKey::kSize, config.private_key->data()) != 0) {
        return too_small();
      }
      if (config.listen_port && nla_put_u16(m, WGDEVICE_A_LISTEN_PORT, *config.listen_port) != 0) return too_small();
      if (config.fwmark && nla_put_u32(m, WGDEVICE_A_FWMARK, *config.fwmark) != 0) return too_small();
    }
    bool progress = first;  // the first message carries the device fields even with no peer
    if (peer_index < peers.size()) {
      nlattr* peers_nest = StartNest(m, WGDEVICE_A_PEERS);
      bool full = !peers_nest;
      int peers_in_message = 0;
      while (!full && peer_index < peers.size()) {
        const PeerPlan& plan = peers[peer_index];
        const auto& allowed = plan.config->allowed_ips;
        nlattr* peer_nest = StartNest(m, 0);
        bool head_ok = peer_nest && nla_put(m, WGPEER_A_PUBLIC_KEY, WireguardKey::kSize, plan.config->public_key.data()) == 0;
        // A continuation repeats only the public key: the flags went with the first part.
        if (head_ok && ip_index == 0) head_ok = PutPeerHead(m, plan);
        if (!head_ok) {
          if (peer_nest) nla_nest_cancel(m, peer_nest);
          full = true;
          break;
        }
        size_t ips_before = ip_index;
        if (!plan.config->remove && ip_index < allowed.size()) {
          nlattr* ips_nest = StartNest(m, WGPEER_A_ALLOWEDIPS);
          if (ips_nest) {
            while (ip_index < allowed.size() && PutAllowedIp(m, allowed[ip_index])) ++ip_index;
            if (ip_index == ips_before) {
              nla_nest_cancel(m, ips_nest);
            } else {
              nla_nest_end(m, ips_nest);
            }
          }
          if (ip_index < allowed.size()) {
            // Spill-over. A part with no allowed IP in it is taken back whole: a first part is
            // then sent again, head and all, in the next message (so its flags go only once).
            if (ip_index == ips_before) {
              nla_nest_cancel(m, peer_nest);
            } else {
              nla_nest_end(m, peer_nest);
              ++peers_in_message;
              progress = true;
            }
            full = true;
            break;
          }
        }
        nla_nest_end(m, peer_nest);
        ++peers_in_message;
        progress = true;
        ++peer_index;
        ip_index = 0;
      }
      if (peers_nest) {
        if (peers_in_message == 0) {
          nla_nest_cancel(m, peers_nest);
        } else {
          nla_nest_end(m, peers_nest);
        }
      }
    }
    if (!progress) return too_small();
    messages.push_back(Bytes(m));
    if (peer_index >= peers.size()) break;
  }
  return messages;
}

Error Malformed(std::string_view what) {
  return Error{ErrorCode::kRejected, fmt::format("malformed WireGuard netlink reply ({})", what), 0};
}

bool ReadKey(nlattr* attribute, WireguardKey* key) {
  if (!attribute || nla_len(attribute) != static_cast<int>(WireguardKey::kSize)) return false;
  *key = WireguardKey::FromBytes(static_cast<const uint8_t*>(nla_data(attribute)));
  return true;
}

Result<TunnelEndpoint> ReadEndpoint(nlattr* attribute) {
  int length = nla_len(attribute);
  const auto* data = static_cast<const uint8_t*>(nla_data(attribute));
  if (length == sizeof(sockaddr_in)) {
    sockaddr_in address;
    memcpy(&address, data, sizeof address);
    if (address.sin_family != AF_INET) return tl::unexpected(Malformed("endpoint family"));
    return TunnelEndpoint{net::IpAddress::FromBytes(net::IpFamily::kV4, reinterpret_cast<const uint8_t*>(&address.sin_addr)),
                          ntohs(address.sin_port)};
  }
  if (length == sizeof(sockaddr_in6)) {
    sockaddr_in6 address;
    memcpy(&address, data, sizeof address);
    if (address.sin6_family != AF_INET6) return tl::unexpected(Malformed("endpoint family"));
    return TunnelEndpoint{net::IpAddress::FromBytes(net::IpFamily::kV6, address.sin6_addr.s6_addr),
                          ntohs(address.sin6_port)};
  }
  return tl::unexpected(Malformed("endpoint size"));
}

Result<net::IpPrefix> ReadAllowedIp(nlattr* attribute) {
  nla_policy policy[WGALLOWEDIP_A_MAX + 1] = {};
  policy[WGALLOWEDIP_A_FAMILY].type = NLA_U16;
  policy[WGALLOWEDIP_A_CIDR_MASK].type = NLA_U8;
  nlattr* fields[WGALLOWEDIP_A_MAX + 1];
  if (nla_parse_nested(fields, WGALLOWEDIP_A_MAX, attribute, policy) != 0) return tl::unexpected(Malformed("allowed IP"));
  if (!fields[WGALLOWEDIP_A_FAMILY] || !fields[WGALLOWEDIP_A_IPADDR] || !fields[WGALLOWEDIP_A_CIDR_MASK]) {
    return tl::unexpected(Malformed("allowed IP fields"));
  }
  uint16_t family = nla_get_u16(fields[WGALLOWEDIP_A_FAMILY]);
  uint8_t cidr = nla_get_u8(fields[WGALLOWEDIP_A_CIDR_MASK]);
  int length = nla_len(fields[WGALLOWEDIP_A_IPADDR]);
  const auto* bytes = static_cast<const uint8_t*>(nla_data(fields[WGALLOWEDIP_A_IPADDR]));
  if (family == AF_INET && length == 4 && cidr <= 32) {
    return net::IpPrefix(net::IpAddress::FromBytes(net::IpFamily::kV4, bytes), cidr).Network();
  }
  if (family == AF_INET6 && length == 16 && cidr <= 128) {
    return net::IpPrefix(net::IpAddress::FromBytes(net::IpFamily::kV6, bytes), cidr).Network();
  }
  return tl::unexpected(Malformed("allowed IP value"));
}

// One peer part of a dump, merged into the last peer when it continues it.
Result<void> ReadPeer(nlattr* attribute, TunnelDeviceState& state) {
  nla_policy policy[WGPEER_A_MAX + 1] = {};
  policy[WGPEER_A_FLAGS].type = NLA_U32;
  policy[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL].type = NLA_U16;
  policy[WGPEER_A_RX_BYTES].type = NLA_U64;
  policy[WGPEER_A_TX_BYTES].type = NLA_U64;
  policy[WGPEER_A_ALLOWEDIPS].type = NLA_NESTED;
  policy[WGPEER_A_PROTOCOL_VERSION].type = NLA_U32;
  nlattr* fields[WGPEER_A_MAX + 1];
  if (nla_parse_nested(fields, WGPEER_A_MAX, attribute, policy) != 0) return tl::unexpected(Malformed("peer"));
  WireguardKey key;
  if (!ReadKey(fields[WGPEER_A_PUBLIC_KEY], &key)) return tl::unexpected(Malformed("peer public key"));
  if (state.peers.empty() || state.peers.back().public_key != key) {
    state.peers.push_back(TunnelPeerState{});
    state.peers.back().public_key = key;
  }
  TunnelPeerState& peer = state.peers.back();
  if (nlattr* psk = fields[WGPEER_A_PRESHARED_KEY]) {
    WireguardKey preshared;
    if (!ReadKey(psk, &preshared)) return tl::unexpected(Malformed("preshared key"));
    peer.has_preshared_key = !preshared.IsZero();
  }
  if (nlattr* endpoint = fields[WGPEER_A_ENDPOINT]) {
    auto parsed = ReadEndpoint(endpoint);
    if (!parsed) return tl::unexpected(parsed.error());
    peer.endpoint = *parsed;
  }
  if (nlattr* keepalive = fields[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]) peer.persistent_keepalive_s = nla_get_u16(keepalive);
  if (nlattr* rx = fields[WGPEER_A_RX_BYTES]) peer.rx_bytes = nla_get_u64(rx);
  if (nlattr* tx = fields[WGPEER_A_TX_BYTES]) peer.tx_bytes = nla_get_u64(tx);
  if (nlattr* handshake = fields[WGPEER_A_LAST_HANDSHAKE_TIME]) {
    struct {
      int64_t seconds;
      int64_t nanoseconds;
    } time;  // struct __kernel_timespec
    if (nla_len(handshake) != sizeof time) return tl::unexpected(Malformed("handshake time size"));
    memcpy(&time, nla_data(handshake), sizeof time);
    if (time.seconds < 0 || time.nanoseconds < 0 || time.nanoseconds >= 1000000000) {
      return tl::unexpected(Malformed("handshake time"));
    }
    if (time.seconds != 0 || time.nanoseconds != 0) {
      peer.last_handshake = std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(time.seconds) + std::chrono::nanoseconds(time.nanoseconds)));
    } else {
      peer.last_handshake.reset();
    }
  }
  if (nlattr* allowed = fields[WGPEER_A_ALLOWEDIPS]) {
    nlattr* entry;
    int remaining;
    nla_for_each_nested(entry, allowed, remaining) {
      auto prefix = ReadAllowedIp(entry);
      if (!prefix) return tl::unexpected(prefix.error());
      peer.allowed_ips.push_back(*prefix);
    }
  }
  return {};
}

}  // namespace

void Wipe(std::vector<Message>& messages) {
  for (auto& message : messages) explicit_bzero(message.data(), message.size());
  messages.clear();
}

Result<Message> BuildGetDevice(uint16_t family_id, const std::string& interface_name) {
  if (auto valid = ValidateInterfaceName(interface_name); !valid) return tl::unexpected(valid.error());
  MsgPtr message = NewMessage(family_id, NLM_F_REQUEST | NLM_F_DUMP, WG_CMD_GET_DEVICE, 256);
  if (!message || nla_put_string(message.get(), WGDEVICE_A_IFNAME, interface_name.c_str()) != 0) {
    return MakeError(ErrorCode::kSystem, "cannot build a WireGuard get request", ENOMEM);
  }
  return Bytes(message.get());
}

Result<std::vector<Message>> BuildSetDevice(uint16_t family_id, const std::string& interface_name,
                                            const TunnelDeviceConfig& config, PeerSetMode mode,
                                            size_t max_message_bytes) {
  if (auto valid = ValidateInterfaceName(interface_name); !valid) return tl::unexpected(valid.error());
  if (auto valid = ValidateDeviceConfig(config, mode); !valid) return tl::unexpected(valid.error());
  std::vector<PeerPlan> plans;
  for (const auto& peer : config.peers) {
    // Allowed IPs are always replaced (tunnel_edge.h), so a repeated set is idempotent.
    plans.push_back(PeerPlan{&peer, peer.remove ? uint32_t{WGPEER_F_REMOVE_ME} : uint32_t{WGPEER_F_REPLACE_ALLOWEDIPS}});
  }
  return BuildSet(family_id, interface_name, config, mode == PeerSetMode::kReplacePeers, plans, max_message_bytes);
}

Result<Message> BuildSetEndpoint(uint16_t family_id, const std::string& interface_name, const WireguardKey& peer,
                                 const TunnelEndpoint& endpoint) {
  if (auto valid = ValidateInterfaceName(interface_name); !valid) return tl::unexpected(valid.error());
  TunnelPeerConfig config;
  config.public_key = peer;
  config.endpoint = endpoint;
  TunnelDeviceConfig device;
  auto messages = BuildSet(family_id, interface_name, device, false, {PeerPlan{&config, WGPEER_F_UPDATE_ONLY}},
                           kDefaultMaxMessageBytes);
  if (!messages) return tl::unexpected(messages.error());
  return std::move(messages->front());
}

Result<TunnelDeviceState> ParseGetDevice(const std::vector<Message>& replies) {
  TunnelDeviceState state;
  bool saw_device = false;
  for (const auto& reply : replies) {
    if (reply.size() < NLMSG_HDRLEN + GENL_HDRLEN) return tl::unexpected(Malformed("short message"));
    // The copy is aligned for the nlattr walk (a vector's storage is, but say so).
    const auto* header = reinterpret_cast<const nlmsghdr*>(reply.data());
    if (header->nlmsg_len > reply.size() || header->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) {
      return tl::unexpected(Malformed("message length"));
    }
    if (header->nlmsg_flags & NLM_F_DUMP_INTR) {
      return MakeError(ErrorCode::kUnavailable, "the WireGuard dump was interrupted by a change", EINTR);
    }
    auto* genl_header = static_cast<genlmsghdr*>(nlmsg_data(const_cast<nlmsghdr*>(header)));
    if (genl_header->cmd != WG_CMD_GET_DEVICE) return tl::unexpected(Malformed("command"));
    nla_policy policy[WGDEVICE_A_MAX + 1] = {};
    policy[WGDEVICE_A_IFINDEX].type = NLA_U32;
    policy[WGDEVICE_A_IFNAME].type = NLA_STRING;
    policy[WGDEVICE_A_IFNAME].maxlen = 16;
    policy[WGDEVICE_A_FLAGS].type = NLA_U32;
    policy[WGDEVICE_A_LISTEN_PORT].type = NLA_U16;
    policy[WGDEVICE_A_FWMARK].type = NLA_U32;
    policy[WGDEVICE_A_PEERS].type = NLA_NESTED;
    nlattr* fields[WGDEVICE_A_MAX + 1];
    if (genlmsg_parse(const_cast<nlmsghdr*>(header), 0, fields, WGDEVICE_A_MAX, policy) != 0) {
      return tl::unexpected(Malformed("device attributes"));
    }
    if (nlattr* name = fields[WGDEVICE_A_IFNAME]) state.interface_name = nla_get_string(name);
    if (nlattr* public_key = fields[WGDEVICE_A_PUBLIC_KEY]) {
      WireguardKey key;
      if (!ReadKey(public_key, &key)) return tl::unexpected(Malformed("device public key"));
      if (!key.IsZero()) state.public_key = key;
    }
    if (nlattr* port = fields[WGDEVICE_A_LISTEN_PORT]) state.listen_port = nla_get_u16(port);
    if (nlattr* fwmark = fields[WGDEVICE_A_FWMARK]) state.fwmark = nla_get_u32(fwmark);
    saw_device = true;
    if (nlattr* peers = fields[WGDEVICE_A_PEERS]) {
      nlattr* peer;
      int remaining;
      nla_for_each_nested(peer, peers, remaining) {
        if (auto read = ReadPeer(peer, state); !read) return tl::unexpected(read.error());
      }
    }
  }
  if (!saw_device) return tl::unexpected(Malformed("no device in the dump"));
  return state;
}

}  // namespace uplinkd::vpn::genl
