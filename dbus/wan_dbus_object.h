#pragma once
// /org/uplinkd1/Wan/<name>: org.uplinkd1.Wan, mirrors one WanProperties; SetAdministrativeState
// runs through the command layer.
#include <map>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "dbus/command_call.h"
#include "dbus/property_mirror.h"
#include "dbus/wan_properties.h"
#include "wan_adaptor.h"

namespace uplinkd::dbus {

class WanDbusObject final : public sdbus::AdaptorInterfaces<org::uplinkd1::Wan_adaptor, sdbus::ManagedObject_adaptor> {
 public:
  using Properties = WanProperties;

  WanDbusObject(sdbus::IConnection& connection, const std::string& path, CommandCaller commands,
                WanProperties initial);
  ~WanDbusObject();

  void Update(const WanProperties& next);

 private:
  // Methods (wan_dbus_object.cc, "Methods").
  void SetAdministrativeState(sdbus::Result<>&& result, bool up) override;

  const WanProperties& P() const { return mirror_.current(); }
  std::string Name() override { return P().name; }
  std::string Kind() override { return P().kind; }
  std::string State() override { return P().state; }
  bool Usable() override { return P().usable; }
  bool Degraded() override { return P().degraded; }
  bool LinkUp() override { return P().link_up; }
  bool BearerUp() override { return P().bearer_up; }
  std::string Reason() override { return P().reason; }
  std::string Interface() override { return P().interface; }
  std::vector<std::string> Addresses() override { return P().addresses; }
  double RttMs() override { return P().rtt_ms; }
  double JitterMs() override { return P().jitter_ms; }
  double Loss() override { return P().loss; }
  std::map<std::string, uint64_t> Counters() override { return P().counters; }
  uint32_t Table() override { return P().table; }
  uint32_t Mark() override { return P().mark; }

  CommandCaller commands_;
  PropertyMirror<WanProperties> mirror_;
};

}  // namespace uplinkd::dbus
