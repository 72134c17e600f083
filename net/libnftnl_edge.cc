#include "net/libnftnl_edge.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

#include <fmt/format.h>

namespace uplinkd::net {

namespace {

using nft::MarkStore;

template <class... Visitors>
struct Overloaded : Visitors... {
  using Visitors::operator()...;
};
template <class... Visitors>
Overloaded(Visitors...) -> Overloaded<Visitors...>;

// A batch page, and the room one message may take past it (rules are bounded by Table::Validate).
constexpr uint32_t kBatchPageSize = 64 * 1024;
constexpr uint32_t kReceiveBufferSize = 64 * 1024;
constexpr uint8_t kNfprotoIpv4 = NFPROTO_IPV4;
constexpr uint8_t kNfprotoIpv6 = NFPROTO_IPV6;

struct TableDeleter {
  void operator()(nftnl_table* t) const { nftnl_table_free(t); }
};
struct ChainDeleter {
  void operator()(nftnl_chain* c) const { nftnl_chain_free(c); }
};
struct RuleDeleter {
  void operator()(nftnl_rule* r) const { nftnl_rule_free(r); }
};
struct BatchDeleter {
  void operator()(nftnl_batch* b) const { nftnl_batch_free(b); }
};
struct UdataDeleter {
  void operator()(nftnl_udata_buf* u) const { nftnl_udata_buf_free(u); }
};

uint16_t KernelFamily(nft::Family family) {
  switch (family) {
    case nft::Family::kInet: return NFPROTO_INET;
    case nft::Family::kIp: return NFPROTO_IPV4;
    case nft::Family::kIp6: return NFPROTO_IPV6;
  }
  return NFPROTO_INET;
}

uint32_t KernelHook(nft::Hook hook) {
  switch (hook) {
    case nft::Hook::kPrerouting: return NF_INET_PRE_ROUTING;
    case nft::Hook::kInput: return NF_INET_LOCAL_IN;
    case nft::Hook::kForward: return NF_INET_FORWARD;
    case nft::Hook::kOutput: return NF_INET_LOCAL_OUT;
    case nft::Hook::kPostrouting: return NF_INET_POST_ROUTING;
  }
  return NF_INET_PRE_ROUTING;
}

const char* KernelChainType(nft::ChainType type) {
  switch (type) {
    case nft::ChainType::kFilter: return "filter";
    case nft::ChainType::kRoute: return "route";
    case nft::ChainType::kNat: return "nat";
  }
  return "filter";
}

Error ErrorFromErrno(int errno_value, const std::string& context) {
  ErrorCode code = ErrorCode::kSystem;
  switch (errno_value) {
    case ENOENT: code = ErrorCode::kNotFound; break;
    case EEXIST: code = ErrorCode::kAlreadyExists; break;
    case EPERM:
    case EACCES: code = ErrorCode::kPermissionDenied; break;
    case EINVAL:
    case EOPNOTSUPP:
    case ELOOP:
    case EMLINK:
    case ERANGE:
    case E2BIG: code = ErrorCode::kInvalidArgument; break;
    case EBUSY:
    case EAGAIN:
    case ENOBUFS: code = ErrorCode::kUnavailable; break;
    default: break;
  }
  return Error{code, context + ": " + std::strerror(errno_value), errno_value};
}

// ---- expressions: the kernel's register machine, as nft itself encodes our vocabulary ----

class RuleBuilder {
 public:
  explicit RuleBuilder(nftnl_rule* rule) : rule_(rule) {}

  void Add(nftnl_expr* expression) { nftnl_rule_add_expr(rule_, expression); }

  void MetaLoad(uint32_t key) {
    nftnl_expr* e = nftnl_expr_alloc("meta");
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
    Add(e);
  }
  void MetaStore(uint32_t key) {
    nftnl_expr* e = nftnl_expr_alloc("meta");
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
    Add(e);
  }
  void CtLoad(uint32_t key) {
    nftnl_expr* e = nftnl_expr_alloc("ct");
    nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
    nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
    Add(e);
  }
  void CtStore(uint32_t key) {
    nftnl_expr* e = nftnl_expr_alloc("ct");
    nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
    nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, NFT_REG_1);
    Add(e);
  }
  void PayloadLoad(uint32_t base, uint32_t offset, uint32_t length) {
    nftnl_expr* e = nftnl_expr_alloc("payload");
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, length);
    Add(e);
  }
  void Compare(uint32_t op, const void* data, uint32_t length) {
    nftnl_expr* e = nftnl_expr_alloc("cmp");
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
    nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, length);
    Add(e);
  }
  // reg1 = (reg1 & mask) ^ xor, over `length` bytes.
  void Bitwise(const void* mask, const void* xor_value, uint32_t length) {
    nftnl_expr* e = nftnl_expr_alloc("bitwise");
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, length);
    nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, length);
    nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, xor_value, length);
    Add(e);
  }
  void Bitwise32(uint32_t mask, uint32_t xor_value) { Bitwise(&mask, &xor_value, sizeof mask); }
  void Immediate32(uint32_t value) {
    nftnl_expr* e = nftnl_expr_alloc("immediate");
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
    nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &value, sizeof value);
    Add(e);
  }
  void Verdict(int32_t code, const std::string& chain) {
    nftnl_expr* e = nftnl_expr_alloc("immediate");
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(code));
    if (!chain.empty()) nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain.c_str());
    Add(e);
  }

  // In an inet table, ip/ip6 header fields need the packet's family checked first.
  void RequireFamily(nft::Family table_family, IpFamily family) {
    if (table_family != nft::Family::kInet) return;
    MetaLoad(NFT_META_NFPROTO);
    uint8_t nfproto = family == IpFamily::kV4 ? kNfprotoIpv4 : kNfprotoIpv6;
    Compare(NFT_CMP_EQ, &nfproto, sizeof nfproto);
  }

  void LoadMark(MarkStore store) {
    if (store == MarkStore::kPacket) {
      MetaLoad(NFT_META_MARK);
    } else {
      CtLoad(NFT_CT_MARK);
    }
  }
  void StoreMark(MarkStore store) {
    if (store == MarkStore::kPacket) {
      MetaStore(NFT_META_MARK);
    } else {
      CtStore(NFT_CT_MARK);
    }
  }

 private:
  nftnl_rule* rule_;
};

void EncodeMatch(RuleBuilder& b, nft::Family table_family, const nft::Match& match) {
  std::visit(
      Overloaded{
          [&](const nft::MatchInterface& m) {
            bool input = m.direction == nft::MatchInterface::Direction::kInput;
            b.MetaLoad(input ? NFT_META_IIFNAME : NFT_META_OIFNAME);
            std::array<char, 16> name{};  // IFNAMSIZ, zero padded
            bool wildcard = !m.name.empty() && m.name.back() == '*';
            size_t length = wildcard ? m.name.size() - 1 : m.name.size();
            std::memcpy(name.data(), m.name.data(), length);
            // An exact name compares all 16 bytes (the NULs too); a wildcard only its prefix.
            b.Compare(m.negate ? NFT_CMP_NEQ : NFT_CMP_EQ, name.data(), wildcard ? length : name.size());
          },
          [&](const nft::MatchAddress& m) {
            IpFamily family = m.prefix.family();
            b.RequireFamily(table_family, family);
            bool source = m.side == nft::MatchAddress::Side::kSource;
            uint32_t offset = family == IpFamily::kV4 ? (source ? 12 : 16) : (source ? 8 : 24);
            uint32_t size = static_cast<uint32_t>(m.prefix.address().size());
            IpPrefix network = m.prefix.Network();
            uint32_t op = m.negate ? NFT_CMP_NEQ : NFT_CMP_EQ;
            if (network.length() % 8 == 0 && network.length() > 0) {
              uint32_t bytes = network.length() / 8u;
              b.PayloadLoad(NFT_PAYLOAD_NETWORK_HEADER, offset, bytes);
              b.Compare(op, network.address().bytes(), bytes);
            } else {
              std::array<uint8_t, 16> mask{};
              std::array<uint8_t, 16> zero{};
              for (uint32_t bit = 0; bit < network.length(); ++bit) mask[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
              b.PayloadLoad(NFT_PAYLOAD_NETWORK_HEADER, offset, size);
              b.Bitwise(mask.data(), zero.data(), size);
              b.Compare(op, network.address().bytes(), size);
            }
          },
          [&](const nft::MatchTransport& m) {
            b.MetaLoad(NFT_META_L4PROTO);
            b.Compare(NFT_CMP_EQ, &m.protocol, sizeof m.protocol);
            auto ports = [&](const std::optional<nft::PortRange>& range, uint32_t offset) {
              if (!range) return;
              b.PayloadLoad(NFT_PAYLOAD_TRANSPORT_HEADER, offset, 2);
              uint16_t first = htons(range->first);
              uint16_t last = htons(range->last);
              if (range->first == range->last) {
                b.Compare(NFT_CMP_EQ, &first, 2);
              } else {
                b.Compare(NFT_CMP_GTE, &first, 2);  // big-endian bytes compare as numbers
                b.Compare(NFT_CMP_LTE, &last, 2);
              }
            };
            ports(m.source_port, 0);
            ports(m.destination_port, 2);
          },
          [&](const nft::MatchDscp& m) {
            b.RequireFamily(table_family, m.family);
            if (m.family == IpFamily::kV4) {
              uint8_t mask = 0xfc, zero = 0, value = static_cast<uint8_t>(m.dscp << 2);
              b.PayloadLoad(NFT_PAYLOAD_NETWORK_HEADER, 1, 1);
              b.Bitwise(&mask, &zero, 1);
              b.Compare(NFT_CMP_EQ, &value, 1);
            } else {
              // Traffic class spans the first two bytes: version(4) | class(8) | flow label(20).
              std::array<uint8_t, 2> mask = {0x0f, 0xc0};
              std::array<uint8_t, 2> zero = {0, 0};
              std::array<uint8_t, 2> value = {static_cast<uint8_t>(m.dscp >> 2), static_cast<uint8_t>((m.dscp & 3) << 6)};
              b.PayloadLoad(NFT_PAYLOAD_NETWORK_HEADER, 0, 2);
              b.Bitwise(mask.data(), zero.data(), 2);
              b.Compare(NFT_CMP_EQ, value.data(), 2);
            }
          },
          [&](const nft::MatchMark& m) {
            b.LoadMark(m.store);
            if (m.mask != 0xffffffff) b.Bitwise32(m.mask, 0);
            b.Compare(m.negate ? NFT_CMP_NEQ : NFT_CMP_EQ, &m.value, sizeof m.value);  // host order
          },
          [&](const nft::MatchSocketOwner& m) {
            b.MetaLoad(m.kind == nft::MatchSocketOwner::Kind::kUser ? NFT_META_SKUID : NFT_META_SKGID);
            b.Compare(NFT_CMP_EQ, &m.id, sizeof m.id);
          },
      },
      match);
}

void EncodeStatement(RuleBuilder& b, const nft::Statement& statement) {
  std::visit(
      Overloaded{
          [&](const nft::Counter&) { b.Add(nftnl_expr_alloc("counter")); },
          [&](const nft::SetMark& s) {
            if (s.mask == 0xffffffff) {
              b.Immediate32(s.value);
            } else {
              b.LoadMark(s.store);
              b.Bitwise32(~s.mask, s.value & s.mask);
            }
            b.StoreMark(s.store);
          },
          [&](const nft::CopyMark& s) {
            b.LoadMark(s.from);
            if (s.mask != 0xffffffff) b.Bitwise32(s.mask, 0);
            b.StoreMark(s.from == MarkStore::kPacket ? MarkStore::kConntrack : MarkStore::kPacket);
          },
          [&](const nft::SetPriority& s) {
            b.Immediate32((static_cast<uint32_t>(s.major) << 16) | s.minor);
            b.MetaStore(NFT_META_PRIORITY);
          },
          [&](const nft::Masquerade&) { b.Add(nftnl_expr_alloc("masq")); },
          [&](const nft::Verdict& v) {
            switch (v.kind) {
              case nft::Verdict::Kind::kAccept: b.Verdict(NF_ACCEPT, ""); break;
              case nft::Verdict::Kind::kDrop: b.Verdict(NF_DROP, ""); break;
              case nft::Verdict::Kind::kReturn: b.Verdict(NFT_RETURN, ""); break;
              case nft::Verdict::Kind::kJump: b.Verdict(NFT_JUMP, v.chain); break;
              case nft::Verdict::Kind::kGoto: b.Verdict(NFT_GOTO, v.chain); break;
            }
          },
      },
      statement);
}

// One nf_tables transaction being built: each message remembers what it was for, so an error
// from the kernel names the chain or rule it refused.
class Transaction {
 public:
  explicit Transaction(uint32_t& next_sequence) : next_sequence_(next_sequence), batch_(nftnl_batch_alloc(kBatchPageSize, kBatchPageSize)) {
    nftnl_batch_begin(static_cast<char*>(nftnl_batch_buffer(batch_.get())), Next("batch"));
    nftnl_batch_update(batch_.get());
  }

  void AddTable(uint16_t message_type, uint16_t family, const std::string& name, uint16_t flags, const std::string& what) {
    std::unique_ptr<nftnl_table, TableDeleter> table(nftnl_table_alloc());
    nftnl_table_set_str(table.get(), NFTNL_TABLE_NAME, name.c_str());
    nlmsghdr* header = nftnl_table_nlmsg_build_hdr(Buffer(), message_type, family, flags, Next(what));
    nftnl_table_nlmsg_build_payload(header, table.get());
    last_header_ = header;
    nftnl_batch_update(batch_.get());
  }

  void AddChain(uint16_t family, const std::string& table_name, const nft::Chain& chain) {
    std::unique_ptr<nftnl_chain, ChainDeleter> c(nftnl_chain_alloc());
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, table_name.c_str());
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, chain.name.c_str());
    if (chain.base) {
      nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, KernelHook(chain.base->hook));
      nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, chain.base->priority);
      nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, KernelChainType(chain.base->type));
      nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, chain.base->policy_drop ? NF_DROP : NF_ACCEPT);
    }
    nlmsghdr* header = nftnl_chain_nlmsg_build_hdr(Buffer(), NFT_MSG_NEWCHAIN, family, NLM_F_CREATE | NLM_F_EXCL,
                                                   Next("chain " + chain.name));
    nftnl_chain_nlmsg_build_payload(header, c.get());
    last_header_ = header;
    nftnl_batch_update(batch_.get());
  }

  void AddRule(nft::Family table_family, const std::string& table_name, const std::string& chain_name,
               size_t number, const nft::Rule& rule) {
    std::unique_ptr<nftnl_rule, RuleDeleter> r(nftnl_rule_alloc());
    nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, table_name.c_str());
    nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain_name.c_str());
    RuleBuilder builder(r.get());
    for (const auto& match : rule.matches) EncodeMatch(builder, table_family, match);
    for (const auto& statement : rule.statements) EncodeStatement(builder, statement);
    if (!rule.comment.empty()) {
      std::unique_ptr<nftnl_udata_buf, UdataDeleter> user_data(nftnl_udata_buf_alloc(256));
      nftnl_udata_put_strz(user_data.get(), NFTNL_UDATA_RULE_COMMENT, rule.comment.c_str());
      nftnl_rule_set_data(r.get(), NFTNL_RULE_USERDATA, nftnl_udata_buf_data(user_data.get()),
                          nftnl_udata_buf_len(user_data.get()));
    }
    nlmsghdr* header =
        nftnl_rule_nlmsg_build_hdr(Buffer(), NFT_MSG_NEWRULE, KernelFamily(table_family), NLM_F_CREATE | NLM_F_APPEND,
                                   Next(fmt::format("chain {} rule {} ({})", chain_name, number, nft::ToString(rule))));
    nftnl_rule_nlmsg_build_payload(header, r.get());
    last_header_ = header;
    nftnl_batch_update(batch_.get());
  }

  // Sends the transaction and reads the kernel's verdict on it. The last message asks for an
  // acknowledgement; any error names the message it is about.
  Result<void> Commit(mnl_socket* socket, const std::string& context) {
    nftnl_batch_end(Buffer(), Next("batch end"));
    nftnl_batch_update(batch_.get());

    int pages = nftnl_batch_iovec_len(batch_.get());
    std::vector<iovec> iov(static_cast<size_t>(pages));
    nftnl_batch_iovec(batch_.get(), iov.data(), static_cast<uint32_t>(pages));
    size_t total = 0;
    for (const auto& part : iov) total += part.iov_len;

    int fd = mnl_socket_get_fd(socket);
    // The whole batch is one datagram; the send buffer must hold it.
    int send_buffer = static_cast<int>(total) + 4096;
    if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &send_buffer, sizeof send_buffer) != 0) {
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer);
    }
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    msghdr message{};
    message.msg_name = &kernel;
    message.msg_namelen = sizeof kernel;
    message.msg_iov = iov.data();
    message.msg_iovlen = iov.size();
    if (::sendmsg(fd, &message, 0) < 0) return tl::unexpected(ErrorFromErrno(errno, context + ": send"));
    return ReadAnswers(socket, context);
  }

  // Asks the kernel to acknowledge the message just added: seeing that ack, and no error, is
  // how a commit is known to have happened. (An ack per message could overflow the socket.)
  void RequestAckOfLast() {
    last_header_->nlmsg_flags |= NLM_F_ACK;
    ack_sequence_ = last_header_->nlmsg_seq;
  }

  // The kernel handles the batch inside sendmsg(), so all its answers are queued by now.
  // (Reached only from Commit.)
  Result<void> ReadAnswers(mnl_socket* socket, const std::string& context) {
    std::vector<char> buffer(kReceiveBufferSize);
    std::optional<Error> first_error;
    bool acknowledged = false;
    while (true) {
      ssize_t length = ::recv(mnl_socket_get_fd(socket), buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (length < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EINTR) continue;
        // ENOBUFS: answers were lost, so the outcome is unknown; report it rather than guess.
        return tl::unexpected(ErrorFromErrno(errno, context + ": receive"));
      }
      auto* header = reinterpret_cast<nlmsghdr*>(buffer.data());
      int remaining = static_cast<int>(length);
      for (; mnl_nlmsg_ok(header, remaining); header = mnl_nlmsg_next(header, &remaining)) {
        if (header->nlmsg_type != NLMSG_ERROR) continue;
        auto* error = static_cast<nlmsgerr*>(mnl_nlmsg_get_payload(header));
        if (error->error == 0) {
          if (error->msg.nlmsg_seq == ack_sequence_) acknowledged = true;
          continue;
        }
        if (!first_error) {
          auto what = descriptions_.find(error->msg.nlmsg_seq);
          std::string about = what != descriptions_.end() ? what->second : "message";
          first_error = ErrorFromErrno(-error->error, context + ": " + about);
        }
      }
    }
    if (first_error) return tl::unexpected(*first_error);
    if (!acknowledged) return MakeError(ErrorCode::kUnavailable, context + ": the kernel did not acknowledge");
    return {};
  }

 private:
  char* Buffer() { return static_cast<char*>(nftnl_batch_buffer(batch_.get())); }

  uint32_t Next(const std::string& what) {
    uint32_t sequence = next_sequence_++;
    descriptions_[sequence] = what;
    return sequence;
  }

  uint32_t& next_sequence_;
  std::unique_ptr<nftnl_batch, BatchDeleter> batch_;
  std::map<uint32_t, std::string> descriptions_;
  uint32_t ack_sequence_ = 0;
  nlmsghdr* last_header_ = nullptr;  // pages of a batch stay where they are
};

}  // namespace

Result<std::unique_ptr<LibnftnlEdge>> LibnftnlEdge::Create() {
  mnl_socket* socket = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
  if (!socket) return tl::unexpected(ErrorFromErrno(errno, "nftables netlink socket"));
  if (mnl_socket_bind(socket, 0, MNL_SOCKET_AUTOPID) < 0) {
    int saved = errno;
    mnl_socket_close(socket);
    return tl::unexpected(ErrorFromErrno(saved, "nftables netlink socket bind"));
  }
  // Errors carry only the header of the message they refuse, not all of it.
  int on = 1;
  mnl_socket_setsockopt(socket, NETLINK_CAP_ACK, &on, sizeof on);
  return std::unique_ptr<LibnftnlEdge>(new LibnftnlEdge(socket));
}

LibnftnlEdge::~LibnftnlEdge() { mnl_socket_close(socket_); }

uint32_t LibnftnlEdge::portid() const { return mnl_socket_get_portid(socket_); }

Result<void> LibnftnlEdge::ApplyTable(const nft::Table& table) {
  std::string context = fmt::format("apply table {} {}", nft::FamilyName(table.family), table.name);
  if (auto valid = table.Validate(); !valid) return valid;
  uint16_t family = KernelFamily(table.family);
  Transaction transaction(next_sequence_);
  // Create (a no-op if it exists), delete, create again: inside one transaction this replaces
  // the table with no moment where it is missing or half built.
  transaction.AddTable(NFT_MSG_NEWTABLE, family, table.name, NLM_F_CREATE, "table (ensure)");
  transaction.AddTable(NFT_MSG_DELTABLE, family, table.name, 0, "table (delete old)");
  transaction.AddTable(NFT_MSG_NEWTABLE, family, table.name, NLM_F_CREATE | NLM_F_EXCL, "table (create)");
  for (const auto& chain : table.chains) transaction.AddChain(family, table.name, chain);
  for (const auto& chain : table.chains) {
    for (size_t i = 0; i < chain.rules.size(); ++i) {
      transaction.AddRule(table.family, table.name, chain.name, i + 1, chain.rules[i]);
    }
  }
  transaction.RequestAckOfLast();
  return transaction.Commit(socket_, context);
}

Result<void> LibnftnlEdge::DeleteTable(nft::Family family, const std::string& name) {
  std::string context = fmt::format("delete table {} {}", nft::FamilyName(family), name);
  Transaction transaction(next_sequence_);
  // Creating it first makes the delete succeed whether or not the table existed.
  transaction.AddTable(NFT_MSG_NEWTABLE, KernelFamily(family), name, NLM_F_CREATE, "table (ensure)");
  transaction.AddTable(NFT_MSG_DELTABLE, KernelFamily(family), name, 0, "table (delete)");
  transaction.RequestAckOfLast();
  return transaction.Commit(socket_, context);
}

Result<bool> LibnftnlEdge::TableExists(nft::Family family, const std::string& name) {
  std::string context = fmt::format("get table {} {}", nft::FamilyName(family), name);
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
  std::unique_ptr<nftnl_table, TableDeleter> table(nftnl_table_alloc());
  nftnl_table_set_str(table.get(), NFTNL_TABLE_NAME, name.c_str());
  uint32_t sequence = next_sequence_++;
  nlmsghdr* header = nftnl_table_nlmsg_build_hdr(buffer.data(), NFT_MSG_GETTABLE, KernelFamily(family), NLM_F_ACK, sequence);
  nftnl_table_nlmsg_build_payload(header, table.get());
  if (mnl_socket_sendto(socket_, header, header->nlmsg_len) < 0) {
    return tl::unexpected(ErrorFromErrno(errno, context + ": send"));
  }
  // Answered inside sendto(): the table (NEWTABLE) and an ack, or ENOENT.
  bool found = false;
  bool answered = false;
  while (true) {
    ssize_t length = ::recv(mnl_socket_get_fd(socket_), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (length < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      return tl::unexpected(ErrorFromErrno(errno, context + ": receive"));
    }
    auto* reply = reinterpret_cast<nlmsghdr*>(buffer.data());
    int remaining = static_cast<int>(length);
    for (; mnl_nlmsg_ok(reply, remaining); reply = mnl_nlmsg_next(reply, &remaining)) {
      if (reply->nlmsg_seq != sequence) continue;
      if (reply->nlmsg_type == NLMSG_ERROR) {
        auto* error = static_cast<nlmsgerr*>(mnl_nlmsg_get_payload(reply));
        answered = true;
        if (error->error == -ENOENT) return false;
        if (error->error != 0) return tl::unexpected(ErrorFromErrno(-error->error, context));
      } else if (NFNL_MSG_TYPE(reply->nlmsg_type) == NFT_MSG_NEWTABLE) {
        found = true;
      }
    }
  }
  if (!answered) return MakeError(ErrorCode::kUnavailable, context + ": the kernel did not answer");
  return found;
}

}  // namespace uplinkd::net
