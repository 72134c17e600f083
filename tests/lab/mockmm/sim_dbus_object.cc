#include "tests/lab/mockmm/sim_dbus_object.h"

#include <ModemManager.h>

#include "tests/lab/mockmm/dbus_conversions.h"
#include "tests/lab/mockmm/mock_modem_manager_service.h"

namespace uplinkd::lab {

SimDbusObject::SimDbusObject(sdbus::IConnection& connection, std::string path, MockModem& modem,
                             MockModemManagerService& service)
    : AdaptorInterfaces(connection, path), path_(std::move(path)), modem_(modem), service_(service) {
  registerAdaptor();
  service_.RegisterInterface(path_, INTERFACE_NAME, getObject());
}

SimDbusObject::~SimDbusObject() {
  service_.UnregisterInterface(path_, INTERFACE_NAME);
  unregisterAdaptor();
}

void SimDbusObject::SendPin(const std::string& pin) {
  ThrowIfFailed(modem_.SendPin(pin));
  service_.FlushPropertyChanges();
}

void SimDbusObject::SendPuk(const std::string& puk, const std::string& pin) {
  ThrowIfFailed(modem_.SendPuk(puk, pin));
  service_.FlushPropertyChanges();
}

void SimDbusObject::EnablePin(const std::string& pin, const bool& enabled) {
  ThrowIfFailed(modem_.EnablePin(pin, enabled));
  service_.FlushPropertyChanges();
}

void SimDbusObject::ChangePin(const std::string& old_pin, const std::string& new_pin) {
  ThrowIfFailed(modem_.ChangePin(old_pin, new_pin));
  service_.FlushPropertyChanges();
}

void SimDbusObject::SetPreferredNetworks(const std::vector<sdbus::Struct<std::string, uint32_t>>&) {
  ThrowDbusError({mm_error::kCoreUnsupported, "Cannot set preferred networks: operation not supported"});
}

bool SimDbusObject::Active() { return true; }
// The ICCID is readable before the PIN is given; the rest is loaded once the SIM is unlocked.
std::string SimDbusObject::SimIdentifier() { return modem_.config().sim.iccid; }
std::string SimDbusObject::Imsi() { return modem_.sim_identity_loaded() ? modem_.config().sim.imsi : ""; }
std::string SimDbusObject::Eid() { return ""; }
std::string SimDbusObject::OperatorIdentifier() {
  // MCC+MNC of the SIM's home network: in the lab, the carrier the modem registers with.
  return modem_.sim_identity_loaded() ? modem_.config().operator_code : "";
}
std::string SimDbusObject::OperatorName() {
  return modem_.sim_identity_loaded() ? modem_.config().sim.operator_name : "";
}
std::vector<std::string> SimDbusObject::EmergencyNumbers() { return {}; }
std::vector<sdbus::Struct<std::string, uint32_t>> SimDbusObject::PreferredNetworks() { return {}; }
std::vector<uint8_t> SimDbusObject::Gid1() { return {}; }
std::vector<uint8_t> SimDbusObject::Gid2() { return {}; }
uint32_t SimDbusObject::SimType() { return MM_SIM_TYPE_PHYSICAL; }
uint32_t SimDbusObject::EsimStatus() { return MM_SIM_ESIM_STATUS_UNKNOWN; }
uint32_t SimDbusObject::Removability() { return MM_SIM_REMOVABILITY_UNKNOWN; }

}  // namespace uplinkd::lab
