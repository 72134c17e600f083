#pragma once
// One nftables table uplinkd owns, as plain values: chains and rules built from a small vocabulary
// of matches and statements that covers classification (interfaces, addresses, ports, DSCP, marks,
// socket owners), marking (packet mark, conntrack mark save/restore, tc priority), NAT
// (masquerade) and verdicts. NftablesEdge turns it into one atomic netlink batch; ToString()
// renders it the way `nft list table` does, so logs and test failures read like nft.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "net/ip_prefix.h"

namespace uplinkd::net::nft {

enum class Family : uint8_t { kInet, kIp, kIp6 };
enum class Hook : uint8_t { kPrerouting, kInput, kForward, kOutput, kPostrouting };
// filter: classify and mark; route: an output chain that re-routes a packet whose mark it changed;
// nat: masquerade.
enum class ChainType : uint8_t { kFilter, kRoute, kNat };

// The standard priorities nft names.
inline constexpr int32_t kPriorityRaw = -300;
inline constexpr int32_t kPriorityMangle = -150;
inline constexpr int32_t kPriorityDstNat = -100;
inline constexpr int32_t kPriorityFilter = 0;
inline constexpr int32_t kPrioritySecurity = 50;
inline constexpr int32_t kPrioritySrcNat = 100;

// Where a mark lives: on the packet (meta mark, what fwmark rules see) or on its connection.
enum class MarkStore : uint8_t { kPacket, kConntrack };

// ---- matches: a rule applies when all of its matches do ----

// iifname / oifname. A trailing '*' matches every name with that prefix ("wwan*").
struct MatchInterface {
  enum class Direction : uint8_t { kInput, kOutput };
  Direction direction = Direction::kInput;
  std::string name;
  bool negate = false;
  friend bool operator==(const MatchInterface&, const MatchInterface&) = default;
};

// ip/ip6 saddr/daddr inside a prefix; the prefix's family picks ip or ip6.
struct MatchAddress {
  enum class Side : uint8_t { kSource, kDestination };
  Side side = Side::kSource;
  IpPrefix prefix;
  bool negate = false;
  friend bool operator==(const MatchAddress&, const MatchAddress&) = default;
};

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;  // == first for a single port
  friend bool operator==(const PortRange&, const PortRange&) = default;
};

// meta l4proto, and for TCP, UDP, UDP-Lite and SCTP optionally source/destination port ranges.
struct MatchTransport {
  uint8_t protocol = 0;  // IPPROTO_TCP, IPPROTO_UDP, ...
  std::optional<PortRange> source_port;
  std::optional<PortRange> destination_port;
  friend bool operator==(const MatchTransport&, const MatchTransport&) = default;
};

// ip dscp / ip6 dscp.
struct MatchDscp {
  IpFamily family = IpFamily::kV4;
  uint8_t dscp = 0;  // 0..63
  friend bool operator==(const MatchDscp&, const MatchDscp&) = default;
};

// meta mark / ct mark, optionally under a mask: (mark & mask) == value.
struct MatchMark {
  MarkStore store = MarkStore::kPacket;
  uint32_t value = 0;
  uint32_t mask = 0xffffffff;
  bool negate = false;
  friend bool operator==(const MatchMark&, const MatchMark&) = default;
};

// meta skuid / meta skgid: the owner of a local socket (output and postrouting only).
struct MatchSocketOwner {
  enum class Kind : uint8_t { kUser, kGroup };
  Kind kind = Kind::kUser;
  uint32_t id = 0;
  friend bool operator==(const MatchSocketOwner&, const MatchSocketOwner&) = default;
};

using Match = std::variant<MatchInterface, MatchAddress, MatchTransport, MatchDscp, MatchMark, MatchSocketOwner>;

// ---- statements, in order ----

struct Counter {
  friend bool operator==(const Counter&, const Counter&) = default;
};

// meta mark set / ct mark set. With a mask only those bits change:
// mark = (mark & ~mask) | (value & mask).
struct SetMark {
  MarkStore store = MarkStore::kPacket;
  uint32_t value = 0;
  uint32_t mask = 0xffffffff;
  friend bool operator==(const SetMark&, const SetMark&) = default;
};

// Copies a mark to the other store: from the packet to the connection ("ct mark set meta mark",
// connmark save) or back ("meta mark set ct mark", connmark restore). Bits outside mask become 0.
struct CopyMark {
  MarkStore from = MarkStore::kPacket;
  uint32_t mask = 0xffffffff;
  friend bool operator==(const CopyMark&, const CopyMark&) = default;
};

// meta priority set major:minor, the tc class (HTB lane) the packet goes to.
struct SetPriority {
  uint16_t major = 0;
  uint16_t minor = 0;
  friend bool operator==(const SetPriority&, const SetPriority&) = default;
};

// Source NAT to the outgoing interface's address; only in a nat chain on postrouting.
struct Masquerade {
  friend bool operator==(const Masquerade&, const Masquerade&) = default;
};

// The last statement of a rule, if any.
struct Verdict {
  enum class Kind : uint8_t { kAccept, kDrop, kReturn, kJump, kGoto };
  Kind kind = Kind::kAccept;
  std::string chain;  // for kJump and kGoto
  friend bool operator==(const Verdict&, const Verdict&) = default;
};
Verdict Accept();
Verdict Drop();
Verdict Return();
Verdict Jump(std::string chain);
Verdict Goto(std::string chain);

using Statement = std::variant<Counter, SetMark, CopyMark, SetPriority, Masquerade, Verdict>;

struct Rule {
  std::vector<Match> matches;
  std::vector<Statement> statements;
  std::string comment;  // shown by `nft list`; empty: none
  friend bool operator==(const Rule&, const Rule&) = default;
};

struct BaseChain {
  ChainType type = ChainType::kFilter;
  Hook hook = Hook::kPrerouting;
  int32_t priority = kPriorityFilter;
  bool policy_drop = false;  // policy accept unless set
  friend bool operator==(const BaseChain&, const BaseChain&) = default;
};

struct Chain {
  std::string name;
  std::optional<BaseChain> base;  // none: a regular chain, reached by jump/goto
  std::vector<Rule> rules;
  friend bool operator==(const Chain&, const Chain&) = default;
};

struct Table {
  Family family = Family::kInet;
  std::string name;
  std::vector<Chain> chains;

  const Chain* FindChain(const std::string& chain_name) const;
  // What the kernel would refuse, found before sending anything: bad names, unknown or base-chain
  // jump targets, jump loops, addresses or DSCP of the wrong family for the table, ports without
  // TCP/UDP, a verdict that is not last, masquerade outside nat/postrouting, a route chain off
  // the output hook, nat on forward or before conntrack. The kernel has the last word on the rest
  // (e.g. jumps nested deeper than 16), and refuses the whole transaction.
  Result<void> Validate() const;
  // The table as `nft list table` prints it (counters without their numbers).
  std::string ToString() const;

  friend bool operator==(const Table&, const Table&) = default;
};

const char* FamilyName(Family family);
const char* HookName(Hook hook);
// "mangle", "filter + 5", "-200": nft's way to print a base chain priority on a hook.
std::string PriorityName(Hook hook, int32_t priority);
std::string ToString(const Rule& rule);

}  // namespace uplinkd::net::nft
