#include "modem/modem_wan_state_json.h"

namespace uplinkd::modem {
namespace {

nlohmann::json ToJson(const BearerIpConfig& config) {
  nlohmann::json dns = nlohmann::json::array();
  for (const auto& address : config.dns) dns.push_back(address.ToString());
  return {{"address", config.address.ToString()},
          {"gateway", config.gateway ? nlohmann::json(config.gateway->ToString()) : nlohmann::json(nullptr)},
          {"dns", dns},
          {"mtu", config.mtu}};
}

nlohmann::json Optional(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json ToJson(const ModemWanState& state) {
  nlohmann::json dns = nlohmann::json::array();
  for (const auto& address : state.dns) dns.push_back(address.ToString());
  nlohmann::json prefixes = nlohmann::json::array();
  for (const auto& prefix : state.private_prefixes) prefixes.push_back(prefix.ToString());
  return {
      {"name", state.name},
      {"phase", SupervisorPhaseName(state.phase)},
      {"wan_up", state.wan_up},
      {"imei", state.imei},
      {"iccid", state.iccid},
      {"device", state.device},
      {"sim_pin_retries", state.sim_pin_retries ? nlohmann::json(*state.sim_pin_retries) : nlohmann::json(nullptr)},
      {"modem_state", ModemStateName(state.modem_state)},
      {"registration", RegistrationStateName(state.registration)},
      {"operator_name", state.operator_name},
      {"operator_code", state.operator_code},
      {"access_technology", AccessTechnologyName(state.access_technology)},
      {"signal_quality", state.signal_quality},
      {"signal",
       {{"rssi_dbm", Optional(state.signal.rssi_dbm)},
        {"rsrp_dbm", Optional(state.signal.rsrp_dbm)},
        {"rsrq_db", Optional(state.signal.rsrq_db)},
        {"snr_db", Optional(state.signal.snr_db)}}},
      {"bearer_connected", state.bearer_connected},
      {"interface", state.interface},
      {"ipv4", state.ipv4 ? ToJson(*state.ipv4) : nlohmann::json(nullptr)},
      {"ipv6", state.ipv6 ? ToJson(*state.ipv6) : nlohmann::json(nullptr)},
      {"dns", dns},
      {"private_prefixes", prefixes},
      {"fixed_ip_mismatch", state.fixed_ip_mismatch},
      {"counters",
       {{"bearer_drops", state.counters.bearer_drops},
        {"reconnects", state.counters.reconnects},
        {"connect_failures", state.counters.connect_failures},
        {"cycles", state.counters.cycles},
        {"resets", state.counters.resets},
        {"readoptions", state.counters.readoptions}}},
      {"last_error", state.last_error},
  };
}

nlohmann::json ToJson(const ModemEvent& event) {
  return {{"name", event.name}, {"kind", ModemEventKindName(event.kind)}, {"message", event.message}};
}

}  // namespace uplinkd::modem
