#pragma once
// The lab's fault injection, org.uplinkd.Lab.MockModemManager1 at /org/uplinkd/Lab/MockModemManager
// (introspection: org.uplinkd.Lab.MockModemManager1.xml next to this file).
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "lab_control_adaptor.h"

namespace uplinkd::lab {

class MockModem;
class MockModemManagerService;

class LabControlObject final
    : public sdbus::AdaptorInterfaces<org::uplinkd::Lab::MockModemManager1_adaptor> {
 public:
  LabControlObject(sdbus::IConnection& connection, MockModemManagerService& service);
  ~LabControlObject();

 private:
  std::vector<sdbus::Struct<std::string, sdbus::ObjectPath, std::string>> ListModems() override;
  void Deregister(const std::string& id) override;
  void Register(const std::string& id, const std::string& registration) override;
  void DropBearer(const std::string& id, const std::string& error_name, const std::string& message) override;
  void RemoveModem(const std::string& id) override;
  void AddModem(const std::string& id) override;
  void RequirePin(const std::string& id, const std::string& pin) override;
  void RefuseConnect(const std::string& id, const std::string& error_name, const std::string& message) override;
  void SetConnectDelay(const std::string& id, const uint32_t& milliseconds) override;
  void SetSignal(const std::string& id, const uint32_t& quality, const double& rsrp, const double& rsrq,
                 const double& rssi, const double& snr) override;
  void ReceiveSms(const std::string& id, const std::string& number, const std::string& text) override;

  MockModem& Modem(const std::string& id);

  MockModemManagerService& service_;
};

// True for a well-formed D-Bus error name ("a.b", elements of [A-Za-z0-9_] not starting with a digit).
bool IsValidDbusErrorName(const std::string& name);

}  // namespace uplinkd::lab
