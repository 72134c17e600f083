#include "dbus/modem_properties.h"

namespace uplinkd::dbus {

ModemProperties ModemPropertiesFrom(const modem::ModemWanState& state) {
  ModemProperties out;
  out.name = state.name;
  out.phase = modem::SupervisorPhaseName(state.phase);
  out.wan_up = state.wan_up;
  out.imei = state.imei;
  out.iccid = state.iccid;
  out.device = state.device;
  out.sim_pin_retries = state.sim_pin_retries ? static_cast<int32_t>(*state.sim_pin_retries) : -1;
  out.modem_state = modem::ModemStateName(state.modem_state);
  out.registration = modem::RegistrationStateName(state.registration);
  out.operator_name = state.operator_name;
  out.operator_code = state.operator_code;
  out.access_technology = modem::AccessTechnologyName(state.access_technology);
  out.signal_quality = state.signal_quality;
  for (auto [key, value] : {std::pair{"rssi_dbm", state.signal.rssi_dbm}, std::pair{"rsrp_dbm", state.signal.rsrp_dbm},
                            std::pair{"rsrq_db", state.signal.rsrq_db}, std::pair{"snr_db", state.signal.snr_db}}) {
    if (value) out.signal[key] = *value;
  }
  out.bearer_connected = state.bearer_connected;
  out.interface = state.interface;
  if (state.ipv4) {
    out.ipv4_address = state.ipv4->address.ToString();
    if (state.ipv4->gateway) out.ipv4_gateway = state.ipv4->gateway->ToString();
    out.mtu = state.ipv4->mtu;
  }
  if (state.ipv6) {
    out.ipv6_address = state.ipv6->address.ToString();
    if (state.ipv6->gateway) out.ipv6_gateway = state.ipv6->gateway->ToString();
    if (out.mtu == 0) out.mtu = state.ipv6->mtu;
  }
  for (const auto& address : state.dns) out.dns.push_back(address.ToString());
  out.counters = {{"bearer_drops", state.counters.bearer_drops},
                  {"reconnects", state.counters.reconnects},
                  {"connect_failures", state.counters.connect_failures},
                  {"cycles", state.counters.cycles},
                  {"resets", state.counters.resets},
                  {"readoptions", state.counters.readoptions}};
  out.last_error = state.last_error;
  return out;
}

}  // namespace uplinkd::dbus
