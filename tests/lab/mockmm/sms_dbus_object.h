#pragma once
// org.freedesktop.ModemManager1.Sms at /org/freedesktop/ModemManager1/SMS/N.
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "mm_sms_adaptor.h"
#include "tests/lab/mockmm/mock_modem.h"

namespace uplinkd::lab {

class MockModemManagerService;

class SmsDbusObject final
    : public sdbus::AdaptorInterfaces<org::freedesktop::ModemManager1::Sms_adaptor, sdbus::ManagedObject_adaptor> {
 public:
  SmsDbusObject(sdbus::IConnection& connection, uint32_t sms_id, MockModem& modem, MockModemManagerService& service);
  ~SmsDbusObject();

 private:
  const MockSms& sms() const;

  void Send() override;
  void Store(const uint32_t& storage) override;

  uint32_t State() override;
  uint32_t PduType() override;
  std::string Number() override;
  std::string Text() override;
  std::vector<uint8_t> Data() override;
  std::string SMSC() override;
  sdbus::Struct<uint32_t, sdbus::Variant> Validity() override;
  int32_t Class() override;
  uint32_t TeleserviceId() override;
  uint32_t ServiceCategory() override;
  bool DeliveryReportRequest() override;
  uint32_t MessageReference() override;
  std::string Timestamp() override;
  std::string DischargeTimestamp() override;
  uint32_t DeliveryState() override;
  uint32_t Storage() override;

  uint32_t sms_id_;
  std::string path_;
  MockModem& modem_;
  MockModemManagerService& service_;
};

}  // namespace uplinkd::lab
