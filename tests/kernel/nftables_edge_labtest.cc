// The NftablesEdge contract on the real kernel (LibnftnlEdge; nft's own listing is the read-back),
// and what only the kernel can show: the encoding nft decodes, atomic replacement under a
// concurrent reader, and rules that really match packets.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <thread>

#include "net/libnftnl_edge.h"
#include "net/libnl_routing_edge.h"
#include "tests/kernel/lab_namespace.h"
#include "tests/unit/net/nft_sample_table.h"
#include "tests/unit/net/nftables_edge_contract.h"

namespace uplinkd::net {
namespace {

using nft::Family;

// nft prints counters with their numbers; the model renders a bare "counter".
std::string WithoutCounterValues(const std::string& text) {
  static const std::regex kCounter("counter packets [0-9]+ bytes [0-9]+");
  return std::regex_replace(text, kCounter, "counter");
}

std::optional<std::string> NftList(Family family, const std::string& name) {
  std::string output;
  int status = lab::RunCommand(std::string("nft list table ") + nft::FamilyName(family) + " " + name + " 2>/dev/null", &output);
  if (status != 0) return std::nullopt;
  return WithoutCounterValues(output);
}

class KernelNftablesEdgeHarness : public NftablesEdgeHarness {
 public:
  explicit KernelNftablesEdgeHarness(std::unique_ptr<LibnftnlEdge> edge) : edge_(std::move(edge)) {}
  NftablesEdge& edge() override { return *edge_; }
  std::optional<std::string> Listed(Family family, const std::string& name) override { return NftList(family, name); }

 private:
  std::unique_ptr<LibnftnlEdge> edge_;
};

std::unique_ptr<LibnftnlEdge> MakeEdgeInFreshNamespace() {
  if (!lab::EnterFreshNetworkNamespace()) {
    [] { GTEST_SKIP() << lab::LabUnavailableReason(); }();
    return nullptr;
  }
  auto edge = LibnftnlEdge::Create();
  EXPECT_TRUE(edge) << Describe(edge.error());
  return edge ? std::move(*edge) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Kernel, NftablesEdgeContractTest,
                         ::testing::Values(NamedNftablesEdgeHarnessFactory{
                             "Libnftnl",
                             []() -> std::unique_ptr<NftablesEdgeHarness> {
                               auto edge = MakeEdgeInFreshNamespace();
                               if (!edge) return nullptr;
                               return std::make_unique<KernelNftablesEdgeHarness>(std::move(edge));
                             }}),
                         NftHarnessName);

class NftablesKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    edge_ = MakeEdgeInFreshNamespace();
    if (!edge_ && !IsSkipped()) FAIL() << "no nftables edge";
  }
  std::unique_ptr<LibnftnlEdge> edge_;
};

// nft prints a masked "meta mark set" oddly (it shows the xor folded into the mask), so this one
// is checked on the expressions themselves.
TEST_F(NftablesKernelTest, MaskedMarkSetKeepsTheOtherBits) {
  nft::Table table{.family = Family::kInet, .name = "uplinkd", .chains = {}};
  table.chains.push_back(nft::Chain{
      .name = "c",
      .base = std::nullopt,
      .rules = {nft::Rule{.matches = {}, .statements = {nft::SetMark{.value = 0x200, .mask = 0xff00}}}}});
  ASSERT_TRUE(edge_->ApplyTable(table));
  std::string expressions;
  ASSERT_EQ(lab::RunCommand("nft --debug=netlink list table inet uplinkd", &expressions), 0);
  EXPECT_NE(expressions.find("[ meta load mark => reg 1 ]"), std::string::npos) << expressions;
  EXPECT_NE(expressions.find("[ bitwise reg 1 = ( reg 1 & 0xffff00ff ) ^ 0x00000200 ]"), std::string::npos)
      << expressions;
  EXPECT_NE(expressions.find("[ meta set mark with reg 1 ]"), std::string::npos) << expressions;
}

// A table the model accepts but the kernel refuses (jumps nested deeper than the kernel's 16):
// the error names the refused rule, and the transaction is undone as a whole, so the old table,
// which the batch had already deleted, is still there untouched.
TEST_F(NftablesKernelTest, KernelRefusalRollsBackTheWholeTransaction) {
  ASSERT_TRUE(edge_->ApplyTable(nft::SampleTable("uplinkd")));
  nft::Table deep{.family = Family::kInet, .name = "uplinkd", .chains = {}};
  deep.chains.push_back(nft::Chain{.name = "input", .base = nft::BaseChain{.hook = nft::Hook::kInput},
                                   .rules = {nft::Rule{.statements = {nft::Jump("c1")}}}});
  constexpr int kDepth = 20;
  for (int i = 1; i <= kDepth; ++i) {
    nft::Chain chain{.name = "c" + std::to_string(i), .base = std::nullopt, .rules = {}};
    if (i < kDepth) chain.rules.push_back(nft::Rule{.statements = {nft::Jump("c" + std::to_string(i + 1))}});
    deep.chains.push_back(chain);
  }
  ASSERT_TRUE(deep.Validate());
  auto refused = edge_->ApplyTable(deep);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().errno_value, EMLINK) << Describe(refused.error());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("jump c"), std::string::npos) << refused.error().message;
  EXPECT_EQ(NftList(Family::kInet, "uplinkd"), nft::SampleTableText("uplinkd"));
}

// A reader that keeps asking for the table while it is replaced over and over must always find
// it: the create/delete/create trick happens inside one transaction.
TEST_F(NftablesKernelTest, ReplacementIsAtomicForAConcurrentReader) {
  auto first = nft::SampleTable("uplinkd");
  auto second = nft::SampleTable("uplinkd");
  second.chains.pop_back();
  ASSERT_TRUE(edge_->ApplyTable(first));

  auto reader_edge = LibnftnlEdge::Create();  // its own socket, same namespace
  ASSERT_TRUE(reader_edge);
  std::atomic<bool> done{false};
  std::atomic<int> lookups{0};
  std::atomic<int> misses{0};
  std::atomic<int> errors{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto exists = (*reader_edge)->TableExists(Family::kInet, "uplinkd");
      if (!exists) {
        ++errors;
      } else if (!*exists) {
        ++misses;
      }
      ++lookups;
    }
  });
  constexpr int kReplacements = 300;
  int failures = 0;
  for (int i = 0; i < kReplacements; ++i) {
    if (!edge_->ApplyTable(i % 2 == 0 ? second : first)) ++failures;
  }
  done = true;
  reader.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(misses.load(), 0) << "the table was missing in " << misses.load() << " of " << lookups.load()
                              << " lookups";
  EXPECT_GT(lookups.load(), 0);
  std::printf("replacement: %d replacements, %d concurrent lookups, %d misses\n", kReplacements, lookups.load(),
              misses.load());
  EXPECT_EQ(NftList(Family::kInet, "uplinkd"), nft::SampleTableText("uplinkd"));  // the last one applied
}

// A table larger than one batch page (64 KiB) goes out as one multi-page transaction.
TEST_F(NftablesKernelTest, LargeTableSpansBatchPages) {
  nft::Table table{.family = Family::kInet, .name = "uplinkd", .chains = {}};
  table.chains.push_back(nft::Chain{.name = "classify", .base = std::nullopt, .rules = {}});
  constexpr int kRules = 3000;
  for (int i = 0; i < kRules; ++i) {
    table.chains[0].rules.push_back(nft::Rule{
        .matches = {nft::MatchAddress{.side = nft::MatchAddress::Side::kSource,
                                      .prefix = *IpPrefix::Parse("10." + std::to_string(i / 250) + "." +
                                                                 std::to_string(i % 250) + ".0/24")},
                    nft::MatchTransport{.protocol = IPPROTO_TCP, .destination_port = nft::PortRange{443, 443}}},
        .statements = {nft::SetMark{.value = static_cast<uint32_t>(i)}, nft::Counter{}}});
  }
  auto started = std::chrono::steady_clock::now();
  auto applied = edge_->ApplyTable(table);
  auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(applied) << Describe(applied.error());
  EXPECT_EQ(NftList(Family::kInet, "uplinkd"), table.ToString());
  std::printf("large table: %d rules applied in one transaction in %.1f ms\n", kRules, elapsed);
}

// Packets really meet the encoded matches: UDP to 127.0.0.1:9 from this process, counted by a rule
// that needs the interface, address, port and socket owner to match, and not by one whose port
// differs.
TEST_F(NftablesKernelTest, RulesMatchRealPackets) {
  auto routing = LibnlRoutingEdge::Create();
  ASSERT_TRUE(routing);
  ASSERT_TRUE((*routing)->SetLinkUp(1, true));  // lo

  nft::Table table{.family = Family::kInet, .name = "uplinkd", .chains = {}};
  auto match_all = std::vector<nft::Match>{
      nft::MatchInterface{.direction = nft::MatchInterface::Direction::kOutput, .name = "lo"},
      nft::MatchAddress{.side = nft::MatchAddress::Side::kDestination, .prefix = *IpPrefix::Parse("127.0.0.0/8")},
      nft::MatchTransport{.protocol = IPPROTO_UDP, .destination_port = nft::PortRange{9, 9}},
      nft::MatchSocketOwner{.kind = nft::MatchSocketOwner::Kind::kUser, .id = static_cast<uint32_t>(::geteuid())}};
  auto match_other_port = match_all;
  match_other_port[2] = nft::MatchTransport{.protocol = IPPROTO_UDP, .destination_port = nft::PortRange{10, 20}};
  table.chains.push_back(nft::Chain{
      .name = "output",
      .base = nft::BaseChain{.type = nft::ChainType::kRoute, .hook = nft::Hook::kOutput, .priority = nft::kPriorityMangle},
      .rules = {nft::Rule{.matches = match_other_port, .statements = {nft::Counter{}}, .comment = "other"},
                nft::Rule{.matches = match_all, .statements = {nft::Counter{}, nft::SetMark{.value = 0x100}},
                          .comment = "mine"},
                nft::Rule{.matches = {nft::MatchMark{.value = 0x100}}, .statements = {nft::Counter{}},
                          .comment = "marked"}}});
  ASSERT_TRUE(edge_->ApplyTable(table));

  int sock = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  constexpr int kPackets = 5;
  for (int i = 0; i < kPackets; ++i) {
    ASSERT_EQ(::sendto(sock, "x", 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof to), 1);
  }
  ::close(sock);

  std::string listing;
  ASSERT_EQ(lab::RunCommand("nft list table inet uplinkd", &listing), 0);
  auto packets_of = [&](const std::string& comment) {
    std::regex line("counter packets ([0-9]+) bytes [0-9]+.*comment \"" + comment + "\"");
    std::smatch found;
    return std::regex_search(listing, found, line) ? std::stoi(found[1]) : -1;
  };
  EXPECT_EQ(packets_of("mine"), kPackets) << listing;
  EXPECT_EQ(packets_of("other"), 0) << listing;
  EXPECT_EQ(packets_of("marked"), kPackets) << listing;
}

}  // namespace
}  // namespace uplinkd::net
