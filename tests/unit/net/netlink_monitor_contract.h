#pragma once
// The behaviour every NetlinkMonitor must have, on the daemon's io_context: FakeNetlinkMonitor
// following a FakeRoutingEdge (unit), LibnlNetlinkMonitor in a private namespace (tests/kernel).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "net/netlink_monitor.h"
#include "net/routing_edge.h"

namespace uplinkd::net {

class NetlinkMonitorHarness {
 public:
  virtual ~NetlinkMonitorHarness() = default;
  virtual boost::asio::io_context& io() = 0;
  virtual NetlinkMonitor& monitor() = 0;
  virtual RoutingEdge& edge() = 0;  // changes the (fake) kernel
  virtual int CreateLink(const std::string& name) = 0;  // down, no carrier
  virtual void SetCarrier(int link_index, bool carrier) = 0;
  virtual void RemoveLink(int link_index) = 0;
};

struct NamedNetlinkMonitorHarnessFactory {
  std::string name;
  std::function<std::unique_ptr<NetlinkMonitorHarness>()> make;
};

inline void PrintTo(const NamedNetlinkMonitorHarnessFactory& factory, std::ostream* out) { *out << factory.name; }

inline std::string MonitorHarnessName(const ::testing::TestParamInfo<NamedNetlinkMonitorHarnessFactory>& info) {
  return info.param.name;
}

class NetlinkMonitorContractTest : public ::testing::TestWithParam<NamedNetlinkMonitorHarnessFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Runs the io_context until `done` holds or 5 s pass; events, not sleeps, end the wait.
  bool RunUntil(const std::function<bool()>& done);
  NetlinkMonitorHarness& harness() { return *harness_; }

  std::unique_ptr<NetlinkMonitorHarness> harness_;
};

}  // namespace uplinkd::net
