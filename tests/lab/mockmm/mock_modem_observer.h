#pragma once
// How the modem state model reports what changed, so the D-Bus side can export objects and emit
// exactly one signal per change (ModemManager's clients follow by signal and never poll).
#include <cstdint>

namespace uplinkd::lab {

class MockModem;
struct MockBearer;
struct MockSms;

// The ModemManager interfaces a modem object can carry.
enum class ModemInterface { kModem, kSimple, kModem3gpp, kSignal, kMessaging };

class MockModemObserver {
 public:
  virtual ~MockModemObserver() = default;

  // The modem (and its SIM) appeared at fresh object numbers.
  virtual void ModemPlugged(MockModem& modem) = 0;
  // The modem is going away; its bearers, SMS and SIM are still listed and go with it.
  virtual void ModemUnplugged(MockModem& modem) = 0;
  // The set of interfaces the modem object carries changed (a SIM lock hides most of them).
  virtual void ModemInterfacesChanged(MockModem& modem) = 0;
  virtual void ModemStateChanged(MockModem& modem, int32_t old_state, int32_t new_state, uint32_t reason) = 0;
  virtual void ModemPropertyChanged(MockModem& modem, ModemInterface interface, const char* property) = 0;
  virtual void SimPropertyChanged(MockModem& modem, const char* property) = 0;

  virtual void BearerAdded(MockModem& modem, const MockBearer& bearer) = 0;
  virtual void BearerRemoved(MockModem& modem, uint32_t bearer_id) = 0;
  virtual void BearerPropertyChanged(MockModem& modem, const MockBearer& bearer, const char* property) = 0;

  virtual void SmsAdded(MockModem& modem, const MockSms& sms, bool received) = 0;
  virtual void SmsRemoved(MockModem& modem, uint32_t sms_id) = 0;
  virtual void SmsPropertyChanged(MockModem& modem, const MockSms& sms, const char* property) = 0;
};

}  // namespace uplinkd::lab
