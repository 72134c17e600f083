#pragma once
// The behaviour every TrafficControlEdge must have, run on FakeTrafficControlEdge (unit) and on
// LibnlTrafficControlEdge on a veth pair in a private network namespace (tests/kernel), where
// the root qdisc's kind is read back with `tc` and packets are real.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "net/traffic_control_edge.h"

namespace uplinkd::net {

class TrafficControlEdgeHarness {
 public:
  virtual ~TrafficControlEdgeHarness() = default;
  virtual TrafficControlEdge& edge() = 0;
  // An interface that exists, has the default root qdisc, and sends nothing unless Send() asks.
  virtual std::string interface() = 0;
  // A name no interface has.
  virtual std::string missing_interface() { return "tcmissing0"; }
  // Someone else's root qdisc on the interface: a tbf with handle 0x50:.
  virtual void AddForeignTbf(const std::string& interface) = 0;
  // The kind of the interface's root qdisc ("htb", "tbf"), nullopt for the kernel's default.
  virtual std::optional<std::string> RootQdiscKind(const std::string& interface) = 0;
  // Sends `packets` packets out of interface() with skb priority <major>:<minor> (0:0 when minor
  // is 0: unmarked), and returns once they have left the qdisc.
  virtual void Send(uint16_t major, uint16_t minor, int packets) = 0;
  // What one Send() packet counts in a class's byte counter.
  virtual uint64_t bytes_per_packet() = 0;
};

struct NamedTrafficControlEdgeHarnessFactory {
  std::string name;
  // Returns nullptr (after GTEST_SKIP) when the harness cannot run here.
  std::function<std::unique_ptr<TrafficControlEdgeHarness>()> make;
};

inline void PrintTo(const NamedTrafficControlEdgeHarnessFactory& factory, std::ostream* out) { *out << factory.name; }

class TrafficControlEdgeContractTest : public ::testing::TestWithParam<NamedTrafficControlEdgeHarnessFactory> {
 protected:
  void SetUp() override {
    harness_ = GetParam().make();
    if (!harness_ && !IsSkipped()) FAIL() << "harness could not be made";
  }
  TrafficControlEdge& edge() { return harness_->edge(); }
  TrafficControlEdgeHarness& harness() { return *harness_; }

  std::unique_ptr<TrafficControlEdgeHarness> harness_;
};

inline std::string TcHarnessName(const ::testing::TestParamInfo<NamedTrafficControlEdgeHarnessFactory>& info) {
  return info.param.name;
}

// The four lanes uplinkd uses, on `interface` under major 1: (rates not multiples of 8 and lanes
// out of order on purpose, so the read-back shows the normalisation).
HtbTree SampleHtbTree(const std::string& interface);

void PrintTo(const HtbTree& tree, std::ostream* out);
void PrintTo(const HtbLaneCounters& counters, std::ostream* out);

}  // namespace uplinkd::net
