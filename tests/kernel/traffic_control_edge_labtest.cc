// The TrafficControlEdge contract on the real kernel (LibnlTrafficControlEdge on a veth pair in a
// fresh network namespace; `tc` reads the root qdisc back; packets are real UDP datagrams whose
// SO_PRIORITY picks the lane), and what only the kernel can show: queued packets survive an
// in-place change, a same-handle foreign qdisc is replaced, quanta are set.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <thread>

#include "net/libnl_traffic_control_edge.h"
#include "tests/kernel/lab_namespace.h"
#include "tests/unit/net/traffic_control_edge_contract.h"

namespace uplinkd::net {
namespace {

constexpr char kInterface[] = "tclane0";
constexpr char kPeer[] = "tclane1";
constexpr char kPeerMac[] = "02:00:5e:00:53:02";
constexpr char kLocalAddress[] = "198.51.100.1";
constexpr char kPeerAddress[] = "198.51.100.2";
constexpr size_t kPayloadBytes = 100;
// What HTB counts for one datagram: Ethernet + IPv4 + UDP headers and the payload.
constexpr uint64_t kFrameBytes = 14 + 20 + 8 + kPayloadBytes;

bool RunOk(const std::string& command) {
  int status = lab::RunCommand(command + " 2>&1");
  EXPECT_EQ(status, 0) << command;
  return status == 0;
}

// A veth pair in the (fresh) current namespace whose local end sends nothing on its own: no IPv6
// (no router solicitations, MLD or DAD), a permanent neighbour entry (no ARP). The peer end has
// no address and forwarding is off, so what arrives there is dropped without an answer.
bool MakeQuietVethPair() {
  return RunOk(std::string("ip link add ") + kInterface + " type veth peer name " + kPeer + " address " + kPeerMac) &&
         RunOk(std::string("echo 1 > /proc/sys/net/ipv6/conf/") + kInterface + "/disable_ipv6") &&
         RunOk(std::string("echo 1 > /proc/sys/net/ipv6/conf/") + kPeer + "/disable_ipv6") &&
         RunOk(std::string("ip addr add ") + kLocalAddress + "/24 dev " + kInterface) &&
         RunOk(std::string("ip link set ") + kPeer + " up") && RunOk(std::string("ip link set ") + kInterface + " up") &&
         RunOk(std::string("ip neigh replace ") + kPeerAddress + " lladdr " + kPeerMac + " dev " + kInterface +
             " nud permanent");
}

// Quantum per class id from `tc -d class show` ("class htb 1:10 parent 1:1 leaf ...: prio 0
// quantum 1514 rate ..."); tc prints a quantum for leaf classes only.
std::map<std::string, std::string> QuantumByClass(const std::string& listing) {
  std::map<std::string, std::string> result;
  std::istringstream lines(listing);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string word, kind, id;
    words >> word >> kind >> id;
    if (word != "class" || kind != "htb") continue;
    while (words >> word) {
      if (word == "quantum" && words >> word) result[id] = word;
    }
  }
  return result;
}

std::optional<std::string> TcRootKind(const std::string& interface) {
  std::string output;
  if (lab::RunCommand("tc qdisc show dev " + interface + " root", &output) != 0) return std::nullopt;
  // "qdisc <kind> <handle> root ..."; handle 0: is the kernel's default.
  std::istringstream line(output);
  std::string word, kind, handle;
  line >> word >> kind >> handle;
  if (word != "qdisc" || handle == "0:") return std::nullopt;
  return kind;
}

uint64_t TotalPackets(TrafficControlEdge& edge, uint16_t major) {
  uint64_t total = 0;
  if (auto counters = edge.ReadCounters(kInterface, major)) {
    for (const HtbLaneCounters& lane : *counters) total += lane.packets + lane.drops + lane.backlog_packets;
  }
  return total;
}

// Sends UDP datagrams out of kInterface with SO_PRIORITY <major>:<minor>.
void SendDatagrams(uint16_t major, uint16_t minor, int packets) {
  int sock = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(sock, 0);
  int priority = minor == 0 ? 0 : static_cast<int>((static_cast<uint32_t>(major) << 16) | minor);
  ASSERT_EQ(::setsockopt(sock, SOL_SOCKET, SO_PRIORITY, &priority, sizeof priority), 0) << std::strerror(errno);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  ASSERT_EQ(::inet_pton(AF_INET, kPeerAddress, &to.sin_addr), 1);
  char payload[kPayloadBytes] = {};
  for (int i = 0; i < packets; ++i) {
    ASSERT_EQ(::sendto(sock, payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
              static_cast<ssize_t>(sizeof payload))
        << std::strerror(errno);
  }
  ::close(sock);
}

class KernelTrafficControlEdgeHarness : public TrafficControlEdgeHarness {
 public:
  explicit KernelTrafficControlEdgeHarness(std::unique_ptr<LibnlTrafficControlEdge> edge) : edge_(std::move(edge)) {}
  TrafficControlEdge& edge() override { return *edge_; }
  std::string interface() override { return kInterface; }
  void AddForeignTbf(const std::string& interface) override {
    RunOk("tc qdisc replace dev " + interface + " root handle 50: tbf rate 1mbit burst 10kb latency 50ms");
  }
  std::optional<std::string> RootQdiscKind(const std::string& interface) override { return TcRootKind(interface); }
  void Send(uint16_t major, uint16_t minor, int packets) override {
    // Whatever HTB is at the root (the tests use majors 1 and 7) counts every datagram once it
    // has been dequeued; wait for that rather than for a fixed time.
    uint16_t root_major = edge_->ReadHtb(kInterface, 7).value_or(std::nullopt) ? 7 : 1;
    uint64_t before = TotalPackets(*edge_, root_major);
    SendDatagrams(major, minor, packets);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (TotalPackets(*edge_, root_major) < before + packets && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(TotalPackets(*edge_, root_major), before + packets) << "datagrams not all counted";
  }
  uint64_t bytes_per_packet() override { return kFrameBytes; }

 private:
  std::unique_ptr<LibnlTrafficControlEdge> edge_;
};

std::unique_ptr<LibnlTrafficControlEdge> MakeEdgeOnFreshVeth() {
  if (!lab::EnterFreshNetworkNamespace()) {
    [] { GTEST_SKIP() << lab::LabUnavailableReason(); }();
    return nullptr;
  }
  if (!MakeQuietVethPair()) return nullptr;
  auto edge = LibnlTrafficControlEdge::Create();
  EXPECT_TRUE(edge) << Describe(edge.error());
  return edge ? std::move(*edge) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Kernel, TrafficControlEdgeContractTest,
                         ::testing::Values(NamedTrafficControlEdgeHarnessFactory{
                             "Libnl",
                             []() -> std::unique_ptr<TrafficControlEdgeHarness> {
                               auto edge = MakeEdgeOnFreshVeth();
                               if (!edge) return nullptr;
                               return std::make_unique<KernelTrafficControlEdgeHarness>(std::move(edge));
                             }}),
                         TcHarnessName);

class TrafficControlKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    edge_ = MakeEdgeOnFreshVeth();
    if (!edge_ && !IsSkipped()) FAIL() << "no traffic control edge";
  }
  std::unique_ptr<LibnlTrafficControlEdge> edge_;
};

// A slow tree: 8000 bit/s is 1000 bytes/s, so a burst of datagrams queues in the lane.
HtbTree SlowTree() {
  return HtbTree{.interface = kInterface, .major = 1, .rate_bps = 8'000, .default_minor = 0x40,
                 .lanes = {HtbLane{.minor = 0x10, .rate_bps = 8'000, .ceil_bps = 8'000, .priority = 0, .queue_packets = 100},
                           HtbLane{.minor = 0x40, .rate_bps = 8'000, .ceil_bps = 8'000, .priority = 3, .queue_packets = 100}}};
}

// The point of changing in place: datagrams queued in a lane are neither dropped nor lost when
// rates and priorities change; a replacement throws the queue away with the old qdisc.
TEST_F(TrafficControlKernelTest, QueuedPacketsSurviveAnInPlaceChangeButNotAReplacement) {
  HtbTree tree = SlowTree();
  auto applied = edge_->ApplyHtb(tree);
  ASSERT_TRUE(applied) << Describe(applied.error());
  std::string leaves_before;
  ASSERT_EQ(lab::RunCommand(std::string("tc qdisc show dev ") + kInterface, &leaves_before), 0);
  constexpr int kSent = 40;
  SendDatagrams(1, 0x40, kSent);
  auto counters = edge_->ReadCounters(kInterface, 1);
  ASSERT_TRUE(counters);
  ASSERT_EQ(counters->size(), 2u) << leaves_before;
  const HtbLaneCounters queued = counters->back();
  ASSERT_EQ(queued.minor, 0x40);
  EXPECT_GT(queued.backlog_packets, 0u) << "the lane should be backlogged at 1000 bytes/s";
  EXPECT_EQ(queued.packets + queued.backlog_packets, static_cast<uint64_t>(kSent));

  tree.lanes[1].priority = 1;
  tree.lanes[1].ceil_bps = 16'000;
  tree.lanes[0].rate_bps = 4'000;
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(edge_->ApplyHtb(tree));
  const double in_place_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  counters = edge_->ReadCounters(kInterface, 1);
  ASSERT_TRUE(counters);
  ASSERT_EQ(counters->size(), 2u);
  const HtbLaneCounters after = counters->back();
  EXPECT_EQ(after.drops, 0u);
  EXPECT_EQ(after.packets + after.backlog_packets, static_cast<uint64_t>(kSent)) << "queued packets were lost";
  EXPECT_GE(after.packets, queued.packets);
  std::string leaves_after;
  ASSERT_EQ(lab::RunCommand(std::string("tc qdisc show dev ") + kInterface, &leaves_after), 0);
  EXPECT_EQ(leaves_after, leaves_before) << "qdisc handles changed: the tree was rebuilt";
  EXPECT_EQ(*edge_->ReadHtb(kInterface, 1), NormalizeHtbTree(tree));

  tree.default_minor = 0x10;  // another shape: replaced, the queue goes with it
  started = std::chrono::steady_clock::now();
  ASSERT_TRUE(edge_->ApplyHtb(tree));
  const double replace_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  std::printf("htb apply (2 lanes): in place %.2f ms, replace %.2f ms\n", in_place_ms, replace_ms);
  counters = edge_->ReadCounters(kInterface, 1);
  ASSERT_TRUE(counters);
  ASSERT_EQ(counters->size(), 2u);
  EXPECT_EQ(counters->back(), (HtbLaneCounters{.minor = 0x40}));
}

// Someone's qdisc with the very handle we use cannot be grafted over; Apply removes it first.
TEST_F(TrafficControlKernelTest, ForeignQdiscWithOurHandleIsReplaced) {
  ASSERT_TRUE(RunOk(std::string("tc qdisc add dev ") + kInterface + " root handle 1: tbf rate 1mbit burst 10kb latency 50ms"));
  EXPECT_EQ(*edge_->ReadHtb(kInterface, 1), std::nullopt);
  ASSERT_TRUE(edge_->RemoveHtb(kInterface, 1));  // a tbf, not ours
  EXPECT_EQ(TcRootKind(kInterface), "tbf");
  const HtbTree tree = SampleHtbTree(kInterface);
  auto applied = edge_->ApplyHtb(tree);
  ASSERT_TRUE(applied) << Describe(applied.error());
  EXPECT_EQ(*edge_->ReadHtb(kInterface, 1), NormalizeHtbTree(tree));
}

// An HTB with our handle but a shape uplinkd does not make (a class elsewhere, another leaf
// qdisc) is not read as ours, and Apply puts our tree in its place.
TEST_F(TrafficControlKernelTest, HtbOfAnotherShapeIsNotOursButIsReplaced) {
  const HtbTree tree = SampleHtbTree(kInterface);
  ASSERT_TRUE(edge_->ApplyHtb(tree));
  ASSERT_TRUE(RunOk(std::string("tc qdisc replace dev ") + kInterface + " parent 1:20 handle 20: tbf rate 1mbit burst 10kb latency 50ms"));
  EXPECT_EQ(*edge_->ReadHtb(kInterface, 1), std::nullopt);
  EXPECT_TRUE(edge_->ReadCounters(kInterface, 1)->empty());
  auto applied = edge_->ApplyHtb(tree);
  ASSERT_TRUE(applied) << Describe(applied.error());
  EXPECT_EQ(*edge_->ReadHtb(kInterface, 1), NormalizeHtbTree(tree));
  ASSERT_TRUE(edge_->RemoveHtb(kInterface, 1));
  EXPECT_EQ(TcRootKind(kInterface), std::nullopt);
}

// Quanta are set per class (about a millisecond at the class's rate, 1514..200000 bytes), so the
// kernel never derives one from r2q and complains about it; so are the buckets.
TEST_F(TrafficControlKernelTest, EveryClassHasAnExplicitQuantumAndBucket) {
  ASSERT_TRUE(edge_->ApplyHtb(SampleHtbTree(kInterface)));
  std::string classes;
  ASSERT_EQ(lab::RunCommand(std::string("tc -d class show dev ") + kInterface, &classes), 0);
  std::map<std::string, std::string> quantum_of = QuantumByClass(classes);
  // (tc shows quanta of leaf classes only; the root class is an inner one.)
  EXPECT_EQ(quantum_of["1:10"], "1514") << classes;
  EXPECT_EQ(quantum_of["1:40"], "1514") << classes;
  HtbTree fast = SampleHtbTree(kInterface);
  fast.rate_bps = 10'000'000'000;  // 10 Gbit/s: 1.25 MB/ms, capped
  fast.lanes[1].rate_bps = 800'000'000;  // lane 1:10 at 800 Mbit/s: 100000 bytes/ms
  fast.lanes[2].rate_bps = 8'000'000'000;  // lane 1:20 at 8 Gbit/s: 1 MB/ms, capped
  fast.lanes[2].ceil_bps = 8'000'000'000;
  ASSERT_TRUE(edge_->ApplyHtb(fast));
  classes.clear();
  ASSERT_EQ(lab::RunCommand(std::string("tc -d class show dev ") + kInterface, &classes), 0);
  quantum_of = QuantumByClass(classes);
  EXPECT_EQ(quantum_of["1:10"], "100000") << classes;
  EXPECT_EQ(quantum_of["1:20"], "200000") << classes;
  // Buckets hold a millisecond at the rate (libnl's default rounds to nothing at Gbit/s rates).
  EXPECT_NE(classes.find("class htb 1:1 root rate 10Gbit ceil 10Gbit linklayer ethernet burst 1250000b"),
            std::string::npos)
      << classes;
  EXPECT_NE(classes.find("rate 800Mbit ceil 40Gbit linklayer ethernet burst 100000b/1 mpu 0b cburst 5000000b"),
            std::string::npos)
      << classes;
}

}  // namespace
}  // namespace uplinkd::net
