#include "tests/lab/mockmm/lab_control_object.h"

#include <cctype>

#include "base/logger.h"
#include "tests/lab/mockmm/dbus_conversions.h"
#include "tests/lab/mockmm/dbus_paths.h"
#include "tests/lab/mockmm/mock_modem_manager_service.h"

namespace uplinkd::lab {
namespace {

const Logger kLog(LogModule::kLab);

[[noreturn]] void Invalid(const std::string& message) { ThrowDbusError({lab_error::kInvalidArgument, message}); }

}  // namespace

bool IsValidDbusErrorName(const std::string& name) {
  if (name.empty() || name.size() > 255) return false;
  size_t elements = 0;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string::npos) end = name.size();
    if (end == start) return false;
    if (std::isdigit(static_cast<unsigned char>(name[start]))) return false;
    for (size_t i = start; i < end; ++i) {
      char c = name[i];
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    }
    ++elements;
    start = end + 1;
  }
  return elements >= 2;
}

LabControlObject::LabControlObject(sdbus::IConnection& connection, MockModemManagerService& service)
    : AdaptorInterfaces(connection, kLabControlPath), service_(service) {
  registerAdaptor();
}

LabControlObject::~LabControlObject() { unregisterAdaptor(); }

MockModem& LabControlObject::Modem(const std::string& id) {
  MockModem* modem = service_.FindModem(id);
  if (!modem) ThrowDbusError({lab_error::kUnknownModem, "No modem with lab id '" + id + "'"});
  kLog.Debug("control call for {}", id);
  return *modem;
}

std::vector<sdbus::Struct<std::string, sdbus::ObjectPath, std::string>> LabControlObject::ListModems() {
  std::vector<sdbus::Struct<std::string, sdbus::ObjectPath, std::string>> list;
  for (const auto& modem : service_.modems()) {
    std::string path = modem->present() ? ModemPath(modem->dbus_id()) : "/";
    list.emplace_back(modem->config().id, sdbus::ObjectPath(path), modem->StateName());
  }
  return list;
}

void LabControlObject::Deregister(const std::string& id) {
  Modem(id).NetworkDetach();
  service_.FlushPropertyChanges();
}

void LabControlObject::Register(const std::string& id, const std::string& registration) {
  MockModem& modem = Modem(id);
  auto parsed = NetworkRegistrationFromName(registration);
  if (!parsed) Invalid("registration must be home, roaming, denied, searching or idle, not '" + registration + "'");
  modem.SetNetworkRegistration(*parsed);
  service_.FlushPropertyChanges();
}

void LabControlObject::DropBearer(const std::string& id, const std::string& error_name, const std::string& message) {
  MockModem& modem = Modem(id);
  if (!error_name.empty() && !IsValidDbusErrorName(error_name)) Invalid("not a D-Bus error name: '" + error_name + "'");
  ThrowIfFailed(modem.DropBearer(error_name, message));
  service_.FlushPropertyChanges();
}

void LabControlObject::RemoveModem(const std::string& id) {
  MockModem& modem = Modem(id);
  if (!modem.present()) ThrowDbusError({lab_error::kWrongState, id + " is already removed"});
  modem.Unplug();
  service_.FlushPropertyChanges();
}

void LabControlObject::AddModem(const std::string& id) {
  MockModem& modem = Modem(id);
  if (modem.present()) ThrowDbusError({lab_error::kWrongState, id + " is present"});
  modem.Plug();
  service_.FlushPropertyChanges();
}

void LabControlObject::RequirePin(const std::string& id, const std::string& pin) {
  MockModem& modem = Modem(id);
  if (pin.size() < 4 || pin.size() > 8 || pin.find_first_not_of("0123456789") != std::string::npos) {
    Invalid("a PIN has 4 to 8 digits");
  }
  modem.RequirePin(pin);
  service_.FlushPropertyChanges();
}

void LabControlObject::RefuseConnect(const std::string& id, const std::string& error_name, const std::string& message) {
  MockModem& modem = Modem(id);
  if (!error_name.empty() && !IsValidDbusErrorName(error_name)) Invalid("not a D-Bus error name: '" + error_name + "'");
  modem.RefuseConnect(error_name, message);
}

void LabControlObject::SetConnectDelay(const std::string& id, const uint32_t& milliseconds) {
  Modem(id).SetConnectDelay(std::chrono::milliseconds(milliseconds));
}

void LabControlObject::SetSignal(const std::string& id, const uint32_t& quality, const double& rsrp,
                                 const double& rsrq, const double& rssi, const double& snr) {
  MockModem& modem = Modem(id);
  if (quality > 100) Invalid("quality is a percentage (0-100)");
  modem.SetSignal(quality, MockSignalValues{.rssi = rssi, .rsrp = rsrp, .rsrq = rsrq, .snr = snr});
  service_.FlushPropertyChanges();
}

void LabControlObject::ReceiveSms(const std::string& id, const std::string& number, const std::string& text) {
  MockModem& modem = Modem(id);
  if (number.empty()) Invalid("the sender's number is empty");
  ThrowIfFailed(modem.ReceiveSms(number, text));
  service_.FlushPropertyChanges();
}

}  // namespace uplinkd::lab
