#pragma once
// /org/uplinkd1/Modem/<name>: org.uplinkd1.Modem, mirrors one ModemProperties; its methods
// (Resume, Reconnect, Reset) run through the command layer.
#include <map>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "dbus/command_call.h"
#include "dbus/modem_properties.h"
#include "dbus/property_mirror.h"
#include "modem_adaptor.h"

namespace uplinkd::dbus {

class ModemDbusObject final
    : public sdbus::AdaptorInterfaces<org::uplinkd1::Modem_adaptor, sdbus::ManagedObject_adaptor> {
 public:
  using Properties = ModemProperties;

  // Registers the object and announces it (InterfacesAdded).
  ModemDbusObject(sdbus::IConnection& connection, const std::string& path, CommandCaller commands,
                  ModemProperties initial);
  // Announces InterfacesRemoved and unregisters.
  ~ModemDbusObject();

  void Update(const ModemProperties& next);

 private:
  // Methods (modem_dbus_object.cc, "Methods"): the command for this modem, by its Name.
  void Resume(sdbus::Result<>&& result) override;
  void Reconnect(sdbus::Result<>&& result) override;
  void Reset(sdbus::Result<>&& result) override;

  const ModemProperties& P() const { return mirror_.current(); }
  std::string Name() override { return P().name; }
  std::string Phase() override { return P().phase; }
  bool WanUp() override { return P().wan_up; }
  std::string Imei() override { return P().imei; }
  std::string Iccid() override { return P().iccid; }
  std::string Device() override { return P().device; }
  int32_t SimPinRetries() override { return P().sim_pin_retries; }
  std::string ModemState() override { return P().modem_state; }
  std::string Registration() override { return P().registration; }
  std::string OperatorName() override { return P().operator_name; }
  std::string OperatorCode() override { return P().operator_code; }
  std::string AccessTechnology() override { return P().access_technology; }
  uint32_t SignalQuality() override { return P().signal_quality; }
  std::map<std::string, double> Signal() override { return P().signal; }
  bool BearerConnected() override { return P().bearer_connected; }
  std::string Interface() override { return P().interface; }
  std::string Ipv4Address() override { return P().ipv4_address; }
  std::string Ipv4Gateway() override { return P().ipv4_gateway; }
  std::string Ipv6Address() override { return P().ipv6_address; }
  std::string Ipv6Gateway() override { return P().ipv6_gateway; }
  std::vector<std::string> Dns() override { return P().dns; }
  uint32_t Mtu() override { return P().mtu; }
  std::map<std::string, uint64_t> Counters() override { return P().counters; }
  std::string LastError() override { return P().last_error; }

  CommandCaller commands_;
  PropertyMirror<ModemProperties> mirror_;
};

}  // namespace uplinkd::dbus
