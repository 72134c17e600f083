#pragma once
// Everything one plugged modem shows on the bus: its modem object (one sdbus object per
// ModemManager interface, so interfaces can come and go as the SIM locks and unlocks), its SIM,
// its bearers and its SMS. Created when the modem is plugged, destroyed when it is unplugged.
// As in ModemManager, only the modem object is announced with InterfacesAdded/InterfacesRemoved.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/lab/mockmm/mock_modem.h"

namespace sdbus {
class IConnection;
}

namespace uplinkd::lab {

class MockModemManagerService;
class ModemInterfaceAdaptor;
class SimpleInterfaceAdaptor;
class Modem3gppInterfaceAdaptor;
class SignalInterfaceAdaptor;
class MessagingInterfaceAdaptor;
class SimDbusObject;
class BearerDbusObject;
class SmsDbusObject;

// The D-Bus name of one of the modem's interfaces.
const char* ModemInterfaceName(ModemInterface interface);

class ModemDbusObject {
 public:
  ModemDbusObject(sdbus::IConnection& connection, MockModem& modem, MockModemManagerService& service);
  ~ModemDbusObject();
  ModemDbusObject(const ModemDbusObject&) = delete;
  ModemDbusObject& operator=(const ModemDbusObject&) = delete;

  const std::string& path() const { return path_; }
  // Exports or withdraws interfaces to match MockModem::Interfaces().
  void SyncInterfaces();
  void EmitStateChanged(int32_t old_state, int32_t new_state, uint32_t reason);

  void AddBearer(const MockBearer& bearer);
  void RemoveBearer(uint32_t bearer_id);
  void AddSms(const MockSms& sms, bool received);
  void RemoveSms(uint32_t sms_id);

 private:
  // Creates the optional interface objects the modem now carries; returns their names.
  std::vector<std::string> ExportOptionalInterfaces();

  sdbus::IConnection& connection_;
  MockModem& modem_;
  MockModemManagerService& service_;
  std::string path_;
  std::unique_ptr<SimDbusObject> sim_;
  std::unique_ptr<ModemInterfaceAdaptor> modem_interface_;
  std::unique_ptr<SimpleInterfaceAdaptor> simple_interface_;
  std::unique_ptr<Modem3gppInterfaceAdaptor> modem3gpp_interface_;
  std::unique_ptr<SignalInterfaceAdaptor> signal_interface_;
  std::unique_ptr<MessagingInterfaceAdaptor> messaging_interface_;
  std::map<uint32_t, std::unique_ptr<BearerDbusObject>> bearers_;
  std::map<uint32_t, std::unique_ptr<SmsDbusObject>> messages_;
};

}  // namespace uplinkd::lab
