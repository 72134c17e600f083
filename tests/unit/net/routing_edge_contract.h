#pragma once
// The behaviour every RoutingEdge must have, as one parameterised suite. The unit test runs it on
// FakeRoutingEdge; tests/kernel runs the very same cases on LibnlRoutingEdge in a private network
// namespace, which is what keeps the fake honest.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "net/routing_edge.h"

namespace uplinkd::net {

// A fresh, empty network namespace with a RoutingEdge on it, and the outside world's hands.
class RoutingEdgeHarness {
 public:
  virtual ~RoutingEdgeHarness() = default;
  virtual RoutingEdge& edge() = 0;
  // A new link that is down and has no carrier. Returns its index.
  virtual int CreateLink(const std::string& name) = 0;
  // What the other end does: carrier on or off.
  virtual void SetCarrier(int link_index, bool carrier) = 0;
};

// Returns nullptr (after GTEST_SKIP) when the harness cannot run here.
using RoutingEdgeHarnessFactory = std::function<std::unique_ptr<RoutingEdgeHarness>()>;

struct NamedRoutingEdgeHarnessFactory {
  std::string name;
  RoutingEdgeHarnessFactory make;
};

class RoutingEdgeContractTest : public ::testing::TestWithParam<NamedRoutingEdgeHarnessFactory> {
 protected:
  void SetUp() override;
  RoutingEdge& edge() { return harness_->edge(); }
  RoutingEdgeHarness& harness() { return *harness_; }

  std::unique_ptr<RoutingEdgeHarness> harness_;
};

inline void PrintTo(const NamedRoutingEdgeHarnessFactory& factory, std::ostream* out) { *out << factory.name; }

inline std::string HarnessName(const ::testing::TestParamInfo<NamedRoutingEdgeHarnessFactory>& info) {
  return info.param.name;
}

inline void PrintTo(const Route& route, std::ostream* out) { *out << ToString(route); }
inline void PrintTo(const Rule& rule, std::ostream* out) { *out << ToString(rule); }
inline void PrintTo(const Link& link, std::ostream* out) { *out << ToString(link); }
inline void PrintTo(const InterfaceAddress& address, std::ostream* out) { *out << ToString(address); }

}  // namespace uplinkd::net
