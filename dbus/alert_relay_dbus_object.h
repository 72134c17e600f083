#pragma once
// /org/uplinkd1/AlertRelay: org.uplinkd1.AlertRelay — the relay's outbox and delivery figures, and
// Submit for privileged callers (the same submission format as the relay's socket).
#include <functional>
#include <map>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "alert_relay_adaptor.h"
#include "dbus/alert_relay_properties.h"
#include "dbus/caller_authorizer.h"
#include "dbus/property_mirror.h"

namespace uplinkd::dbus {

class AlertRelayDbusObject final
    : public sdbus::AdaptorInterfaces<org::uplinkd1::AlertRelay_adaptor, sdbus::ManagedObject_adaptor> {
 public:
  using Properties = AlertRelayProperties;
  // One submission in, the relay's reply datagram out (relay::AlertRelay::HandleSubmission).
  // The caller's uid is part of the alert's identity (de-duplication), as on the socket.
  using Submitter = std::function<std::string(const std::string& submission, uint32_t uid)>;

  AlertRelayDbusObject(sdbus::IConnection& connection, CallerAuthorizer& authorizer, Submitter submitter,
                       AlertRelayProperties initial);
  ~AlertRelayDbusObject();

  void Update(const AlertRelayProperties& next);

 private:
  void Submit(sdbus::Result<std::string>&& result, std::string submission) override;

  const AlertRelayProperties& P() const { return mirror_.current(); }
  uint64_t OutboxDepth() override { return P().outbox_depth; }
  uint64_t OutboxStored() override { return P().outbox_stored; }
  uint64_t OutboxMax() override { return P().outbox_max; }
  uint64_t InFlight() override { return P().in_flight; }
  uint64_t Delivered() override { return P().delivered; }
  uint64_t LastDelivery() override { return P().last_delivery; }
  std::string BrokerState() override { return P().broker_state; }
  std::string Broker() override { return P().broker; }
  std::string LastError() override { return P().last_error; }
  std::map<std::string, uint64_t> Counters() override { return P().counters; }
  std::string Socket() override { return P().socket; }

  CallerAuthorizer& authorizer_;
  Submitter submitter_;
  PropertyMirror<AlertRelayProperties> mirror_;
};

}  // namespace uplinkd::dbus
