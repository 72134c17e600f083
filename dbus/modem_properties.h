#pragma once
// The properties of org.uplinkd1.Modem as a plain value (see org.uplinkd1.Modem.xml), and how
// they follow from the modem layer's ModemWanState.
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "dbus/property_fields.h"
#include "modem/modem_wan_state.h"

namespace uplinkd::dbus {

struct ModemProperties {
  std::string name;
  std::string phase;
  bool wan_up = false;
  std::string imei;
  std::string iccid;
  std::string device;
  int32_t sim_pin_retries = -1;
  std::string modem_state;
  std::string registration;
  std::string operator_name;
  std::string operator_code;
  std::string access_technology;
  uint32_t signal_quality = 0;
  std::map<std::string, double> signal;
  bool bearer_connected = false;
  std::string interface;
  std::string ipv4_address;
  std::string ipv4_gateway;
  std::string ipv6_address;
  std::string ipv6_gateway;
  std::vector<std::string> dns;
  uint32_t mtu = 0;
  std::map<std::string, uint64_t> counters;
  std::string last_error;

  static constexpr auto kFields = std::make_tuple(
      Property("Name", &ModemProperties::name), Property("Phase", &ModemProperties::phase),
      Property("WanUp", &ModemProperties::wan_up), Property("Imei", &ModemProperties::imei),
      Property("Iccid", &ModemProperties::iccid), Property("Device", &ModemProperties::device),
      Property("SimPinRetries", &ModemProperties::sim_pin_retries),
      Property("ModemState", &ModemProperties::modem_state),
      Property("Registration", &ModemProperties::registration),
      Property("OperatorName", &ModemProperties::operator_name),
      Property("OperatorCode", &ModemProperties::operator_code),
      Property("AccessTechnology", &ModemProperties::access_technology),
      Property("SignalQuality", &ModemProperties::signal_quality), Property("Signal", &ModemProperties::signal),
      Property("BearerConnected", &ModemProperties::bearer_connected),
      Property("Interface", &ModemProperties::interface), Property("Ipv4Address", &ModemProperties::ipv4_address),
      Property("Ipv4Gateway", &ModemProperties::ipv4_gateway),
      Property("Ipv6Address", &ModemProperties::ipv6_address),
      Property("Ipv6Gateway", &ModemProperties::ipv6_gateway), Property("Dns", &ModemProperties::dns),
      Property("Mtu", &ModemProperties::mtu), Property("Counters", &ModemProperties::counters),
      Property("LastError", &ModemProperties::last_error));

  friend bool operator==(const ModemProperties&, const ModemProperties&) = default;
};

ModemProperties ModemPropertiesFrom(const modem::ModemWanState& state);

}  // namespace uplinkd::dbus
