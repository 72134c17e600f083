#include "tests/lab/mockmm/sms_dbus_object.h"

#include <ModemManager.h>

#include "tests/lab/mockmm/dbus_conversions.h"
#include "tests/lab/mockmm/dbus_paths.h"
#include "tests/lab/mockmm/mock_modem_manager_service.h"

namespace uplinkd::lab {

SmsDbusObject::SmsDbusObject(sdbus::IConnection& connection, uint32_t sms_id, MockModem& modem,
                             MockModemManagerService& service)
    : AdaptorInterfaces(connection, SmsPath(sms_id)),
      sms_id_(sms_id),
      path_(SmsPath(sms_id)),
      modem_(modem),
      service_(service) {
  registerAdaptor();
  service_.RegisterInterface(path_, INTERFACE_NAME, getObject());
}

SmsDbusObject::~SmsDbusObject() {
  service_.UnregisterInterface(path_, INTERFACE_NAME);
  unregisterAdaptor();
}

const MockSms& SmsDbusObject::sms() const {
  const MockSms* sms = modem_.FindSms(sms_id_);
  if (!sms) throw sdbus::Error(mm_error::kCoreNotFound, "SMS not found");
  return *sms;
}

void SmsDbusObject::Send() {
  ThrowIfFailed(modem_.SendSms(sms_id_));
  service_.FlushPropertyChanges();
}

void SmsDbusObject::Store(const uint32_t& storage) {
  ThrowIfFailed(modem_.StoreSms(sms_id_, storage));
  service_.FlushPropertyChanges();
}

uint32_t SmsDbusObject::State() { return sms().state; }
uint32_t SmsDbusObject::PduType() { return sms().pdu_type; }
std::string SmsDbusObject::Number() { return sms().number; }
std::string SmsDbusObject::Text() { return sms().text; }
std::vector<uint8_t> SmsDbusObject::Data() { return {}; }
std::string SmsDbusObject::SMSC() { return sms().smsc; }
// No validity given: ModemManager reports (UNKNOWN, <false>) then.
sdbus::Struct<uint32_t, sdbus::Variant> SmsDbusObject::Validity() {
  return {static_cast<uint32_t>(MM_SMS_VALIDITY_TYPE_UNKNOWN), sdbus::Variant(false)};
}
int32_t SmsDbusObject::Class() { return sms().sms_class; }
uint32_t SmsDbusObject::TeleserviceId() { return MM_SMS_CDMA_TELESERVICE_ID_UNKNOWN; }
uint32_t SmsDbusObject::ServiceCategory() { return MM_SMS_CDMA_SERVICE_CATEGORY_UNKNOWN; }
bool SmsDbusObject::DeliveryReportRequest() { return sms().delivery_report_request; }
uint32_t SmsDbusObject::MessageReference() { return 0; }
std::string SmsDbusObject::Timestamp() { return sms().timestamp; }
std::string SmsDbusObject::DischargeTimestamp() { return ""; }
uint32_t SmsDbusObject::DeliveryState() { return MM_SMS_DELIVERY_STATE_UNKNOWN; }
uint32_t SmsDbusObject::Storage() { return sms().storage; }

}  // namespace uplinkd::lab
