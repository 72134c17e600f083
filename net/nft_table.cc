#include "net/nft_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>

namespace uplinkd::net::nft {

namespace {

constexpr size_t kMaxNameLength = 255;           // NFT_NAME_MAXLEN - 1
constexpr size_t kMaxInterfaceNameLength = 15;  // IFNAMSIZ - 1
constexpr size_t kMaxCommentLength = 128;       // what nft accepts
constexpr int32_t kPriorityConntrack = -200;  // NF_IP_PRI_CONNTRACK
// Keeps every rule's netlink message well inside one batch page (see LibnftnlEdge).
constexpr size_t kMaxRuleParts = 64;
constexpr uint8_t kTcp = 6, kUdp = 17, kSctp = 132, kUdpLite = 136, kIcmp = 1, kIcmpV6 = 58;

template <class... Visitors>
struct Overloaded : Visitors... {
  using Visitors::operator()...;
};
template <class... Visitors>
Overloaded(Visitors...) -> Overloaded<Visitors...>;

std::string ProtocolName(uint8_t protocol) {
  switch (protocol) {
    case kTcp: return "tcp";
    case kUdp: return "udp";
    case kSctp: return "sctp";
    case kUdpLite: return "udplite";
    case kIcmp: return "icmp";
    case kIcmpV6: return "ipv6-icmp";
    default: return std::to_string(protocol);
  }
}

bool HasPorts(uint8_t protocol) {
  return protocol == kTcp || protocol == kUdp || protocol == kSctp || protocol == kUdpLite;
}

std::string DscpName(uint8_t dscp) {
  static const std::map<uint8_t, const char*> kNames = {
      {0, "cs0"},   {8, "cs1"},   {10, "af11"}, {12, "af12"}, {14, "af13"}, {16, "cs2"},
      {18, "af21"}, {20, "af22"}, {22, "af23"}, {24, "cs3"},  {26, "af31"}, {28, "af32"},
      {30, "af33"}, {32, "cs4"},  {34, "af41"}, {36, "af42"}, {38, "af43"}, {40, "cs5"},
      {44, "va"},   {46, "ef"},   {48, "cs6"},  {56, "cs7"}};
  auto it = kNames.find(dscp);
  return it != kNames.end() ? it->second : fmt::format("{:#04x}", dscp);
}

std::string Mark(uint32_t value) { return fmt::format("{:#010x}", value); }

const char* StoreName(MarkStore store) { return store == MarkStore::kPacket ? "meta mark" : "ct mark"; }

std::string PortText(const PortRange& range) {
  return range.first == range.last ? std::to_string(range.first) : fmt::format("{}-{}", range.first, range.last);
}

std::string AddressText(const IpPrefix& prefix) {
  IpPrefix network = prefix.Network();
  unsigned full = prefix.family() == IpFamily::kV4 ? 32 : 128;
  return network.length() == full ? network.address().ToString() : network.ToString();
}

std::string MatchText(const Match& match) {
  return std::visit(
      Overloaded{
          [](const MatchInterface& m) {
            return fmt::format("{}{} \"{}\"", m.direction == MatchInterface::Direction::kInput ? "iifname" : "oifname",
                               m.negate ? " !=" : "", m.name);
          },
          [](const MatchAddress& m) {
            return fmt::format("{} {}{} {}", m.prefix.family() == IpFamily::kV4 ? "ip" : "ip6",
                               m.side == MatchAddress::Side::kSource ? "saddr" : "daddr", m.negate ? " !=" : "",
                               AddressText(m.prefix));
          },
          [](const MatchTransport& m) {
            if (!m.source_port && !m.destination_port) return "meta l4proto " + ProtocolName(m.protocol);
            std::string text;
            std::string name = ProtocolName(m.protocol);
            if (m.source_port) text = name + " sport " + PortText(*m.source_port);
            if (m.destination_port) text += (text.empty() ? "" : " ") + name + " dport " + PortText(*m.destination_port);
            return text;
          },
          [](const MatchDscp& m) {
            return fmt::format("{} dscp {}", m.family == IpFamily::kV4 ? "ip" : "ip6", DscpName(m.dscp));
          },
          [](const MatchMark& m) {
            if (m.mask == 0xffffffff) {
              return fmt::format("{}{} {}", StoreName(m.store), m.negate ? " !=" : "", Mark(m.value));
            }
            return fmt::format("{} & {} {} {}", StoreName(m.store), Mark(m.mask), m.negate ? "!=" : "==",
                               Mark(m.value));
          },
          [](const MatchSocketOwner& m) {
            return fmt::format("meta {} {}", m.kind == MatchSocketOwner::Kind::kUser ? "skuid" : "skgid", m.id);
          },
      },
      match);
}

std::string StatementText(const Statement& statement) {
  return std::visit(
      Overloaded{
          [](const Counter&) { return std::string("counter"); },
          [](const SetMark& s) {
            if (s.mask == 0xffffffff) return fmt::format("{} set {}", StoreName(s.store), Mark(s.value));
            return fmt::format("{0} set {0} & {1} | {2}", StoreName(s.store), Mark(~s.mask), Mark(s.value & s.mask));
          },
          [](const CopyMark& s) {
            MarkStore to = s.from == MarkStore::kPacket ? MarkStore::kConntrack : MarkStore::kPacket;
            if (s.mask == 0xffffffff) return fmt::format("{} set {}", StoreName(to), StoreName(s.from));
            return fmt::format("{} set {} & {}", StoreName(to), StoreName(s.from), Mark(s.mask));
          },
          [](const SetPriority& s) { return fmt::format("meta priority set {:x}:{:x}", s.major, s.minor); },
          [](const Masquerade&) { return std::string("masquerade"); },
          [](const Verdict& v) {
            switch (v.kind) {
              case Verdict::Kind::kAccept: return std::string("accept");
              case Verdict::Kind::kDrop: return std::string("drop");
              case Verdict::Kind::kReturn: return std::string("return");
              case Verdict::Kind::kJump: return "jump " + v.chain;
              case Verdict::Kind::kGoto: return "goto " + v.chain;
            }
            return std::string("?");
          },
      },
      statement);
}

const char* ChainTypeName(ChainType type) {
  switch (type) {
    case ChainType::kFilter: return "filter";
    case ChainType::kRoute: return "route";
    case ChainType::kNat: return "nat";
  }
  return "?";
}

Result<void> Invalid(const std::string& where, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, where + ": " + what);
}

bool FamilyAllows(Family family, IpFamily ip) {
  return family == Family::kInet || (family == Family::kIp && ip == IpFamily::kV4) ||
         (family == Family::kIp6 && ip == IpFamily::kV6);
}

Result<void> ValidateName(const std::string& what, const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength) return Invalid(what + " \"" + name + "\"", "bad name length");
  return {};
}

Result<void> ValidateInterfaceName(const std::string& where, const std::string& name) {
  std::string_view stem = name;
  if (!stem.empty() && stem.back() == '*') stem.remove_suffix(1);
  if (stem.empty() || stem.size() > kMaxInterfaceNameLength || stem.find('*') != std::string_view::npos) {
    return Invalid(where, "bad interface name \"" + name + "\"");
  }
  return {};
}

}  // namespace

Verdict Accept() { return Verdict{Verdict::Kind::kAccept, ""}; }
Verdict Drop() { return Verdict{Verdict::Kind::kDrop, ""}; }
Verdict Return() { return Verdict{Verdict::Kind::kReturn, ""}; }
Verdict Jump(std::string chain) { return Verdict{Verdict::Kind::kJump, std::move(chain)}; }
Verdict Goto(std::string chain) { return Verdict{Verdict::Kind::kGoto, std::move(chain)}; }

const char* FamilyName(Family family) {
  switch (family) {
    case Family::kInet: return "inet";
    case Family::kIp: return "ip";
    case Family::kIp6: return "ip6";
  }
  return "?";
}

const char* HookName(Hook hook) {
  switch (hook) {
    case Hook::kPrerouting: return "prerouting";
    case Hook::kInput: return "input";
    case Hook::kForward: return "forward";
    case Hook::kOutput: return "output";
    case Hook::kPostrouting: return "postrouting";
  }
  return "?";
}

std::string PriorityName(Hook hook, int32_t priority) {
  struct Named {
    const char* name;
    int32_t value;
    bool on_hook;
  };
  const Named names[] = {{"raw", kPriorityRaw, true},
                         {"mangle", kPriorityMangle, true},
                         {"dstnat", kPriorityDstNat, hook == Hook::kPrerouting},
                         {"filter", kPriorityFilter, true},
                         {"security", kPrioritySecurity, true},
                         {"srcnat", kPrioritySrcNat, hook == Hook::kPostrouting}};
  for (const auto& named : names) {
    if (!named.on_hook) continue;
    int32_t offset = priority - named.value;
    if (offset == 0) return named.name;
    if (std::abs(offset) <= 10) return fmt::format("{} {} {}", named.name, offset > 0 ? "+" : "-", std::abs(offset));
  }
  return std::to_string(priority);
}

std::string ToString(const Rule& rule) {
  std::string text;
  auto append = [&](const std::string& part) {
    if (!text.empty()) text += ' ';
    text += part;
  };
  for (const auto& match : rule.matches) append(MatchText(match));
  for (const auto& statement : rule.statements) append(StatementText(statement));
  if (!rule.comment.empty()) append("comment \"" + rule.comment + "\"");
  return text;
}

const Chain* Table::FindChain(const std::string& chain_name) const {
  auto it = std::find_if(chains.begin(), chains.end(), [&](const Chain& c) { return c.name == chain_name; });
  return it == chains.end() ? nullptr : &*it;
}

std::string Table::ToString() const {
  std::string text = fmt::format("table {} {} {{\n", FamilyName(family), name);
  bool first = true;
  for (const auto& chain : chains) {
    if (!first) text += "\n";
    first = false;
    text += fmt::format("\tchain {} {{\n", chain.name);
    if (chain.base) {
      text += fmt::format("\t\ttype {} hook {} priority {}; policy {};\n", ChainTypeName(chain.base->type),
                          HookName(chain.base->hook), PriorityName(chain.base->hook, chain.base->priority),
                          chain.base->policy_drop ? "drop" : "accept");
    }
    for (const auto& rule : chain.rules) text += "\t\t" + nft::ToString(rule) + "\n";
    text += "\t}\n";
  }
  text += "}\n";
  return text;
}

Result<void> Table::Validate() const {
  const std::string table_where = fmt::format("table {} {}", FamilyName(family), name);
  if (auto ok = ValidateName("table", name); !ok) return ok;
  std::set<std::string> names;
  for (const auto& chain : chains) {
    if (auto ok = ValidateName("chain", chain.name); !ok) return ok;
    if (!names.insert(chain.name).second) return Invalid(table_where, "chain " + chain.name + " defined twice");
    if (chain.base) {
      const BaseChain& base = *chain.base;
      if (base.type == ChainType::kRoute && base.hook != Hook::kOutput) {
        return Invalid(table_where + " chain " + chain.name, "a route chain must hook output");
      }
      if (base.type == ChainType::kNat && base.hook == Hook::kForward) {
        return Invalid(table_where + " chain " + chain.name, "no nat on the forward hook");
      }
      if (base.type == ChainType::kNat && base.priority <= kPriorityConntrack) {
        return Invalid(table_where + " chain " + chain.name, "a nat chain must run after conntrack (priority > -200)");
      }
    }
  }

  // Which base chains reach each chain, for the checks that depend on the hook.
  std::map<std::string, std::vector<const Chain*>> jumps;  // chain -> chains it jumps/goes to
  for (const auto& chain : chains) {
    for (size_t i = 0; i < chain.rules.size(); ++i) {
      const Rule& rule = chain.rules[i];
      const std::string where = fmt::format("{} chain {} rule {} ({})", table_where, chain.name, i + 1, nft::ToString(rule));
      if (rule.matches.empty() && rule.statements.empty()) return Invalid(where, "empty rule");
      if (rule.matches.size() + rule.statements.size() > kMaxRuleParts) return Invalid(where, "too many parts");
      if (rule.comment.size() > kMaxCommentLength || rule.comment.find('"') != std::string::npos) {
        return Invalid(where, "comment too long or with a quote");
      }
      for (const auto& match : rule.matches) {
        Result<void> ok = std::visit(
            Overloaded{
                [&](const MatchInterface& m) { return ValidateInterfaceName(where, m.name); },
                [&](const MatchAddress& m) -> Result<void> {
                  if (!FamilyAllows(family, m.prefix.family())) return Invalid(where, "address family not in table");
                  return {};
                },
                [&](const MatchTransport& m) -> Result<void> {
                  if ((m.source_port || m.destination_port) && !HasPorts(m.protocol)) {
                    return Invalid(where, "ports need tcp, udp, udplite or sctp");
                  }
                  for (const auto* range : {&m.source_port, &m.destination_port}) {
                    if (*range && (*range)->first > (*range)->last) return Invalid(where, "port range backwards");
                  }
                  return {};
                },
                [&](const MatchDscp& m) -> Result<void> {
                  if (m.dscp > 63) return Invalid(where, "dscp above 63");
                  if (!FamilyAllows(family, m.family)) return Invalid(where, "dscp family not in table");
                  return {};
                },
                [](const MatchMark&) -> Result<void> { return {}; },
                [](const MatchSocketOwner&) -> Result<void> { return {}; },
            },
            match);
        if (!ok) return ok;
      }
      for (size_t s = 0; s < rule.statements.size(); ++s) {
        const auto* verdict = std::get_if<Verdict>(&rule.statements[s]);
        if (!verdict) continue;
        if (s + 1 != rule.statements.size()) return Invalid(where, "a verdict must be the last statement");
        if (verdict->kind == Verdict::Kind::kJump || verdict->kind == Verdict::Kind::kGoto) {
          const Chain* target = FindChain(verdict->chain);
          if (!target) return Invalid(where, "no chain " + verdict->chain);
          if (target->base) return Invalid(where, "cannot jump to base chain " + verdict->chain);
          jumps[chain.name].push_back(target);
        }
      }
    }
  }

  // Loops: a chain that reaches itself through jumps.
  std::map<std::string, int> state;  // 0 unseen, 1 on the path, 2 done
  std::function<bool(const Chain&)> has_loop = [&](const Chain& chain) {
    int& mark = state[chain.name];
    if (mark == 1) return true;
    if (mark == 2) return false;
    mark = 1;
    for (const Chain* next : jumps[chain.name]) {
      if (has_loop(*next)) return true;
    }
    state[chain.name] = 2;
    return false;
  };
  for (const auto& chain : chains) {
    if (has_loop(chain)) return Invalid(table_where, "jump loop through chain " + chain.name);
  }

  // Masquerade only runs where NAT does: in a nat chain on postrouting, or in a regular chain
  // that only such chains reach.
  for (const auto& chain : chains) {
    if (!chain.base) continue;
    bool nat_postrouting = chain.base->type == ChainType::kNat && chain.base->hook == Hook::kPostrouting;
    std::set<std::string> seen;
    std::vector<const Chain*> pending = {&chain};
    while (!pending.empty()) {
      const Chain* current = pending.back();
      pending.pop_back();
      if (!seen.insert(current->name).second) continue;
      for (const auto& rule : current->rules) {
        for (const auto& statement : rule.statements) {
          if (std::holds_alternative<Masquerade>(statement) && !nat_postrouting) {
            return Invalid(table_where + " chain " + current->name,
                           "masquerade reached from " + chain.name + ", which is not a nat postrouting chain");
          }
        }
      }
      for (const Chain* next : jumps[current->name]) pending.push_back(next);
    }
  }
  return {};
}

}  // namespace uplinkd::net::nft
