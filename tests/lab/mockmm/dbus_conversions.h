#pragma once
// Conversions between the modem model and sdbus-c++ values, shared by the adaptor classes.
#include <map>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

#include "tests/lab/mockmm/mock_error.h"
#include "tests/lab/mockmm/mock_modem.h"

namespace uplinkd::lab {

using VariantMap = std::map<std::string, sdbus::Variant>;

// Throws the error out of a synchronous handler; sdbus-c++ turns it into the D-Bus error reply.
[[noreturn]] inline void ThrowDbusError(const MockError& error) { throw sdbus::Error(error.name, error.message); }

inline void ThrowIfFailed(const MockStatus& status) {
  if (!status) ThrowDbusError(status.error());
}

// Reads Simple.Connect / CreateBearer properties. ModemManager rejects keys it does not know;
// keys it knows but the mock does not model are type-checked and otherwise ignored.
MockResult<ConnectRequest> ParseConnectProperties(const VariantMap& properties, bool allow_simple_keys);

// The bearer's Properties dictionary (what was asked for).
VariantMap BearerPropertiesDictionary(const MockBearer& bearer);

// Ip4Config / Ip6Config as ModemManager builds them: {"method": UNKNOWN} when not connected.
VariantMap IpConfigDictionary(bool up, const MockIpConfig* config);

std::vector<sdbus::ObjectPath> BearerPaths(const MockModem& modem);
std::vector<sdbus::ObjectPath> SmsPaths(const MockModem& modem);

}  // namespace uplinkd::lab
