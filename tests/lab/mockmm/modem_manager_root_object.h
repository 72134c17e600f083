#pragma once
// /org/freedesktop/ModemManager1: the ObjectManager every client starts from, and the
// org.freedesktop.ModemManager1 interface (Version, ScanDevices, SetLogging, InhibitDevice...).
#include <map>
#include <set>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "mm_manager_adaptor.h"

namespace uplinkd::lab {

class MockModemManagerService;

class ModemManagerRootObject final
    : public sdbus::AdaptorInterfaces<org::freedesktop::ModemManager1_adaptor, sdbus::ObjectManager_adaptor> {
 public:
  // The version string of the ModemManager the mock imitates.
  static constexpr const char* kVersion = "1.20.4";

  ModemManagerRootObject(sdbus::IConnection& connection, MockModemManagerService& service);
  ~ModemManagerRootObject();

 private:
  void ScanDevices() override;
  void SetLogging(const std::string& level) override;
  void ReportKernelEvent(const std::map<std::string, sdbus::Variant>& properties) override;
  void InhibitDevice(const std::string& uid, const bool& inhibit) override;
  std::string Version() override;

  MockModemManagerService& service_;
  std::set<std::string> inhibited_;
};

}  // namespace uplinkd::lab
