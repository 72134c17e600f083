#pragma once
// The behaviour every TunnelEdge must have, as one parameterised suite. The unit test runs it on
// FakeTunnelEdge; tests/kernel/vpn_tunnel_edge_labtest.cc runs the very same cases on
// WireguardGoTunnelEdge (real wireguard-go in a private network namespace) and, where the
// kernel has WireGuard, on KernelTunnelEdge. That is what keeps the fake honest.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include <boost/asio/io_context.hpp>

#include "vpn/tunnel_edge.h"

namespace uplinkd::vpn {

class TunnelEdgeHarness {
 public:
  virtual ~TunnelEdgeHarness() = default;
  virtual boost::asio::io_context& io() = 0;
  virtual TunnelEdge& edge() = 0;
  // A name no other test (in any namespace) uses: wireguard-go's socket directory is shared.
  virtual std::string NewInterfaceName() = 0;
};

// Returns nullptr (after GTEST_SKIP) when the harness cannot run here.
using TunnelEdgeHarnessFactory = std::function<std::unique_ptr<TunnelEdgeHarness>()>;

struct NamedTunnelEdgeHarnessFactory {
  std::string name;
  TunnelEdgeHarnessFactory make;
};

class TunnelEdgeContractTest : public ::testing::TestWithParam<NamedTunnelEdgeHarnessFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;
  TunnelEdge& edge() { return harness_->edge(); }

  // Each runs the io_context until the callback came (at most 10 s: a hung back-end fails).
  Result<void> Create(const std::string& name);
  Result<void> Remove(const std::string& name);
  Result<void> Set(const std::string& name, const TunnelDeviceConfig& config, PeerSetMode mode);
  Result<TunnelDeviceState> Get(const std::string& name);
  Result<void> SetEndpoint(const std::string& name, const WireguardKey& peer, const TunnelEndpoint& endpoint);
  // A created interface, removed again at TearDown.
  std::string MakeInterface();

  std::unique_ptr<TunnelEdgeHarness> harness_;
  std::vector<std::string> made_;
};

inline void PrintTo(const NamedTunnelEdgeHarnessFactory& factory, std::ostream* out) { *out << factory.name; }
inline std::string HarnessName(const ::testing::TestParamInfo<NamedTunnelEdgeHarnessFactory>& info) {
  return info.param.name;
}

// Runs `io` until `done` is true or `limit` passed; false on timeout.
bool RunUntil(boost::asio::io_context& io, const bool& done, std::chrono::milliseconds limit = std::chrono::seconds(10));

}  // namespace uplinkd::vpn
